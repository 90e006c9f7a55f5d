//! Term validation: any submitted term is either refused with at least one
//! named error or accepted with a printable text and values in range, the
//! same way every time, and its vagueness warnings can be computed.

#![no_main]

use arbitrary::Arbitrary;
use hesheng_core::domain::agreement::{Named, Term, TermInput, vagueness_warnings};
use hesheng_core::domain::language::Lang;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    text: Option<&'a str>,
    kind: &'a str,
    days: Option<&'a str>,
    start: Option<&'a str>,
    end: Option<&'a str>,
    max_db: Option<f64>,
    position: Option<&'a str>,
    amount: Option<f64>,
    due: Option<&'a str>,
    obligor: Option<(i64, &'a str)>,
    payee: Option<(i64, &'a str)>,
    english: bool,
}

fuzz_target!(|input: Input<'_>| {
    let lang = if input.english { Lang::En } else { Lang::ZhCn };
    let submitted = TermInput {
        text: input.text,
        kind: input.kind,
        days: input.days,
        start: input.start,
        end: input.end,
        max_db: input.max_db,
        position: input.position,
        amount: input.amount,
        due: input.due,
        obligor: input.obligor.map(|(party_id, name)| Named { party_id, name }),
        payee: input.payee.map(|(party_id, name)| Named { party_id, name }),
    };
    match Term::parse(&submitted, lang) {
        Ok(term) => {
            assert!(!term.text.trim().is_empty(), "an accepted term has a text: {term:?}");
            if let Some(db) = term.max_db {
                assert!((20.0..=120.0).contains(&db), "{term:?}");
            }
            if let Some(fen) = term.amount_fen {
                assert!((0..=10_000_000_000).contains(&fen), "{term:?}");
            }
            assert!(term.payee.is_none() || term.payee != term.obligor, "nobody pays themselves: {term:?}");
            let _ = vagueness_warnings(std::slice::from_ref(&term));
            assert_eq!(Term::parse(&submitted, lang).ok(), Some(term), "parsing is deterministic");
        }
        Err(errors) => assert!(!errors.is_empty(), "a refusal names its fields"),
    }
});
