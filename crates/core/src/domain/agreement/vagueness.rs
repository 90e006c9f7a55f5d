//! Vagueness: terms a court would find unclear (Art 33 of the People's
//! Mediation Law asks for clear terms).

use serde::Serialize;

use super::{Term, TermKind};

/// A term too vague for a court to confirm (Art 33), by message key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Index of the term in the list, from 0.
    pub term_index: usize,
    /// Message key, e.g. `warning.volume_without_number`.
    pub code: &'static str,
}

const VAGUE_WORDS: &[&str] = &[
    "尽量",
    "适当",
    "注意",
    "尽可能",
    "酌情",
    "适度",
    "合理",
    "小声",
    "一些",
    "一点",
    "较低",
    "不要太",
    "别太",
    "原则上",
    "早点",
    "小点",
    "稍微",
    "as far as possible",
    "try to",
    "appropriate",
    "reasonable",
    "keep it down",
    "turn down",
    "quieter",
    "a bit",
];

/// Phrasings that leave an amount open: a court cannot enforce a sum that is
/// only settled later, cap or not.
const OPEN_AMOUNTS: &[&str] = &["以实际发生为准", "按实际发生", "据实结算", "实报实销", "as actually incurred"];

/// Words that, after them, make "一点" or "一些" mean "a bit" (小一点, 早一点,
/// 低一些) rather than one o'clock.
const COMPARATIVES: &str = "小轻低早少慢短弱静近远晚快好声";

/// Whether text names a measurable target: an Arabic or full-width digit,
/// or a Chinese numeral followed by a unit of time, sound or money — not
/// the "一点" of a comparative ("声音小一点" names no time).
fn has_measure(text: &str) -> bool {
    if text.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)) {
        return true;
    }
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).enumerate().any(|(i, w)| {
        let hedge = w[0] == '一' && i > 0 && COMPARATIVES.contains(chars[i - 1]);
        !hedge && "零一二两三四五六七八九十百千".contains(w[0]) && "点时分贝元日天号月".contains(w[1])
    })
}

/// Warnings for terms a court would find unclear: a volume promise with no
/// number, a time promise with no clock time, vague wording ("尽量",
/// "适当", "注意"…) with no measurable target, a payment with no amount and
/// a deadline with no date.
pub fn vagueness_warnings(terms: &[Term]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        let mut warn = |code| warnings.push(Warning { term_index: i, code });
        match term.kind {
            TermKind::VolumeLimit if term.max_db.is_none() => warn("warning.volume_without_number"),
            TermKind::TimeWindow if term.end.is_none() => warn("warning.time_without_clock"),
            TermKind::Payment if term.amount_fen.is_none() => warn("warning.payment_without_amount"),
            TermKind::Deadline if term.due.is_none() => warn("warning.deadline_without_date"),
            _ => {}
        }
        let lower = term.text.to_lowercase();
        if OPEN_AMOUNTS.iter().any(|w| lower.contains(w)) {
            warn("warning.open_amount");
        }
        let structured = term.max_db.is_some() || term.end.is_some() || term.amount_fen.is_some() || term.due.is_some();
        if !structured && !has_measure(&term.text) && VAGUE_WORDS.iter().any(|w| lower.contains(w)) {
            warn("warning.vague_wording");
        }
        if !states_its_fields(term) {
            warn("warning.text_disagrees_with_fields");
        }
    }
    warnings
}

/// Whether a term's printed text states the clock times and the level
/// entered in its fields: the text is what is printed and signed, so typed
/// wording must not silently stand in for a different window.
fn states_its_fields(term: &Term) -> bool {
    let times = [term.start, term.end].into_iter().flatten().map(|t| t.to_string());
    let level = term.max_db.map(super::format_db);
    times.chain(level).all(|value| term.text.contains(&value) || term.text.contains(value.trim_start_matches('0')))
}

#[cfg(test)]
mod tests {
    use super::super::TermInput;
    use super::*;
    use crate::domain::language::Lang;
    use proptest::prelude::*;

    fn parsed(input: TermInput<'_>) -> Term {
        Term::parse(&input, Lang::ZhCn).expect("term")
    }

    #[test]
    fn typed_wording_must_state_the_window_and_level_entered() {
        let term = |text: Option<&'static str>| {
            parsed(TermInput {
                kind: "time_window",
                start: Some("19:00"),
                end: Some("21:00"),
                text,
                ..Default::default()
            })
        };
        let flagged = |t: Term| vagueness_warnings(&[t]).iter().any(|w| w.code == "warning.text_disagrees_with_fields");
        assert!(!flagged(term(None)), "generated text states its fields");
        assert!(!flagged(term(Some("合唱队每天19:00开始、21:00前结束。"))));
        assert!(flagged(term(Some("合唱队每天晚上九点半前结束。"))), "another window in words");
        assert!(flagged(term(Some("合唱队每天19:00开始、21:30前结束。"))), "another end");
        let level = parsed(TermInput {
            kind: "volume_limit",
            max_db: Some(55.0),
            text: Some("音量不超过60分贝。"),
            ..Default::default()
        });
        assert!(flagged(level), "another level");
    }

    #[test]
    fn an_amount_left_to_be_settled_later_is_flagged() {
        let words = |text: &str| parsed(TermInput { kind: "free_text", text: Some(text), ..Default::default() });
        let open = words("天花板修复费用由郑丽娟承担，以实际发生为准，不超过3000元。");
        assert!(vagueness_warnings(&[open]).iter().any(|w| w.code == "warning.open_amount"));
        let fixed = words("天花板修复费用3000元由郑丽娟于2026年7月31日前支付给张秀兰。");
        assert!(vagueness_warnings(&[fixed]).is_empty());
    }

    #[test]
    fn vague_phrasings_are_flagged_and_precise_ones_are_not() {
        let words = |text: &str| parsed(TermInput { kind: "free_text", text: Some(text), ..Default::default() });
        let vague = [
            "声音小一点",
            "合唱队尽量小声一点",
            "尽量早点结束",
            "早点结束",
            "音量低一些",
            "原则上晚上不唱",
            "适当调低音量",
            "注意不要扰民",
            "音响别太大声",
            "稍微小点声",
            "keep it down a bit",
        ];
        for text in vague {
            let w = vagueness_warnings(&[words(text)]);
            assert!(w.iter().any(|w| w.code == "warning.vague_wording"), "{text} is vague");
        }
        let precise = [
            "每天21:00前结束",
            "音量不超过55分贝",
            "晚上九点前结束",
            "凌晨一点后不得施工",
            "尽量在九点前结束",
            "赔偿维修费五百元",
            "end by 21:00 every day",
        ];
        for text in precise {
            let w = vagueness_warnings(&[words(text)]);
            assert!(w.iter().all(|w| w.code != "warning.vague_wording"), "{text} names its measure: {w:?}");
        }
    }

    #[test]
    fn vague_terms_are_flagged() {
        let terms = vec![
            parsed(TermInput { kind: "volume_limit", text: Some("音量调小"), ..Default::default() }),
            parsed(TermInput { kind: "time_window", text: Some("晚上早点结束"), ..Default::default() }),
            parsed(TermInput { kind: "free_text", text: Some("尽量注意不要扰民"), ..Default::default() }),
            parsed(TermInput {
                kind: "free_text", text: Some("适当降低音量，不超过55分贝"), ..Default::default()
            }),
            parsed(TermInput { kind: "time_window", start: Some("19:00"), end: Some("21:00"), ..Default::default() }),
            parsed(TermInput { kind: "free_text", text: Some("尽量在九点前结束"), ..Default::default() }),
        ];
        let w = vagueness_warnings(&terms);
        let found: Vec<(usize, &str)> = w.iter().map(|w| (w.term_index, w.code)).collect();
        assert_eq!(
            found,
            [
                (0, "warning.volume_without_number"),
                (1, "warning.time_without_clock"),
                (1, "warning.vague_wording"),
                (2, "warning.vague_wording")
            ]
        );
    }

    proptest! {
        #[test]
        fn a_number_in_the_text_is_a_measurable_target(n in 1u32..200, word in "(尽量|适当|注意)") {
            let text = format!("{word}控制在{n}分贝以下");
            let t = Term { kind: TermKind::FreeText, text, days: None, start: None, end: None, max_db: None, position: None, amount_fen: None, due: None, obligor: None, payee: None };
            prop_assert!(vagueness_warnings(&[t]).is_empty());
        }
    }
}
