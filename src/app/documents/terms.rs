//! Agreement terms as printed: what a court needs to enforce them.

use chrono::NaiveDate;

use crate::documents::Labels;
use crate::domain::agreement::{PartySnapshot, Term, TermKind, format_yuan};
use crate::domain::language::Lang;

/// Whether a term is an obligation that recurs or stands (a daily time
/// window, a level limit, anything on given days) rather than one act:
/// it is enforceable only from a stated day, not by a single deadline.
pub(super) fn recurs(term: &Term) -> bool {
    matches!(term.kind, TermKind::TimeWindow | TermKind::VolumeLimit) || term.days.is_some()
}

/// A term as printed. A payment worded in Chinese also gives its amount
/// in capital numerals (壹仟捌佰元整), its due date when the wording does
/// not state it, and who pays and who is paid when the wording does not
/// name them (of `parties`, the agreement's); an obligation that recurs
/// states from when ("自2026年5月26日起，每天…"): the day the agreement
/// took effect (`start`), or while it is not yet in force, that day in
/// words.
pub(super) fn term_text(term: &Term, lang: Lang, start: Option<NaiveDate>, parties: &[PartySnapshot]) -> String {
    // What is added reads in the language the term was written and signed
    // in, whatever the document's.
    let wording = if term.text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) { Lang::ZhCn } else { lang };
    let l = Labels { lang: wording };
    let mut text = with_capitals(term, wording);
    if term.kind == TermKind::Payment
        && let Some(due) = term.due
        && !mentions(&text, due, &l)
    {
        text = before_full_stop(&text, &l.with("doc.agreement.pay_by", &[("date", l.date(due))]));
    }
    if term.kind == TermKind::Payment {
        let name = |id: i64| parties.iter().find(|p| p.party_id == id).map(|p| p.name.clone());
        let mut named = Vec::new();
        for (key, who) in [("doc.agreement.payer", term.obligor), ("doc.agreement.payee", term.payee)] {
            if let Some(who) = who.and_then(name).filter(|n| !text.contains(n.as_str())) {
                named.push(l.with(key, &[("name", who)]));
            }
        }
        if !named.is_empty() {
            let names = named.join(&l.t("doc.agreement.payment_separator"));
            text = before_full_stop(&text, &l.with("doc.agreement.payment_parties", &[("names", names)]));
        }
    }
    if recurs(term) && !text.starts_with('自') && !text.starts_with("From ") {
        let start = start.map_or_else(|| l.t("doc.agreement.start_effect"), |d| l.date(d));
        let from = l.with("doc.agreement.from", &[("start", start)]);
        // "From 26 May 2026, every day…": the term's own capital goes,
        // unless it begins a name or an abbreviation.
        let mut chars = text.chars();
        let rest = match (wording, chars.next(), chars.next()) {
            (Lang::En, Some(first), Some(second)) if first.is_ascii_uppercase() && second.is_lowercase() => {
                format!("{}{}", first.to_ascii_lowercase(), &text[1..])
            }
            _ => text,
        };
        text = format!("{from}{rest}");
    }
    text
}

/// The text with `addition` put before its closing full stop.
fn before_full_stop(text: &str, addition: &str) -> String {
    match text.strip_suffix('。').or_else(|| text.strip_suffix('.')) {
        Some(body) => format!("{body}{addition}{}", &text[body.len()..]),
        None => format!("{text}{addition}"),
    }
}

/// Whether a term's wording already gives a date.
fn mentions(text: &str, date: NaiveDate, l: &Labels) -> bool {
    use chrono::Datelike;
    text.contains(&l.date(date))
        || text.contains(&date.to_string())
        || text.contains(&format!("{}月{}日", date.month(), date.day()))
}

/// A payment's amount also in capital numerals, right after the figure it
/// spells out, else at the end (a term worded in Chinese only).
fn with_capitals(term: &Term, lang: Lang) -> String {
    match (term.kind, term.amount_fen, lang) {
        (TermKind::Payment, Some(fen), Lang::ZhCn) if !term.text.contains("大写") => {
            let words = format!("（大写：人民币{}）", crate::documents::amount::capital_yuan(fen));
            let figure = if fen % 100 == 0 { format!("{}元", fen / 100) } else { format!("{}元", format_yuan(fen)) };
            if let Some(at) = term.text.find(&figure) {
                let end = at + figure.len();
                format!("{}{words}{}", &term.text[..end], &term.text[end..])
            } else {
                match term.text.strip_suffix('。') {
                    Some(body) => format!("{body}{words}。"),
                    None => format!("{}{words}", term.text),
                }
            }
        }
        _ => term.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(kind: TermKind, text: &str) -> Term {
        Term {
            kind,
            text: text.to_owned(),
            days: None,
            start: None,
            end: None,
            max_db: None,
            position: None,
            amount_fen: None,
            due: None,
            obligor: None,
            payee: None,
        }
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn a_recurring_obligation_runs_from_the_effective_date_or_says_so_in_words() {
        let window = Term { days: Some("daily".into()), ..term(TermKind::TimeWindow, "每天21:00前结束。") };
        assert_eq!(term_text(&window, Lang::ZhCn, Some(day(5, 1)), &[]), "自2026年5月1日起，每天21:00前结束。");
        assert_eq!(term_text(&window, Lang::ZhCn, None, &[]), "自本协议生效之日起，每天21:00前结束。");
        assert_eq!(
            term_text(&window, Lang::En, Some(day(5, 1)), &[]),
            "自2026年5月1日起，每天21:00前结束。",
            "added words read in the term's own language"
        );
        let english = term(TermKind::VolumeLimit, "Noise at the window stays at or below 55 dB.");
        assert_eq!(
            term_text(&english, Lang::En, Some(day(5, 1)), &[]),
            "From 1 May 2026, noise at the window stays at or below 55 dB."
        );
        let once = term(TermKind::Deadline, "于2026年7月5日前清除。");
        assert_eq!(
            term_text(&once, Lang::ZhCn, Some(day(5, 1)), &[]),
            "于2026年7月5日前清除。",
            "a one-off act is not prefixed"
        );
    }

    #[test]
    fn a_payment_states_its_due_date_and_amount_in_capitals() {
        let pay = Term {
            amount_fen: Some(120_000),
            due: Some(day(6, 30)),
            obligor: None,
            payee: None,
            ..term(TermKind::Payment, "吴建华向郑丽娟支付人工费1200元。")
        };
        assert_eq!(
            term_text(&pay, Lang::ZhCn, None, &[]),
            "吴建华向郑丽娟支付人工费1200元（大写：人民币壹仟贰佰元整），于2026年6月30日前支付。"
        );
        let dated = Term { text: "于2026年6月30日前支付1200元。".into(), ..pay.clone() };
        assert_eq!(
            term_text(&dated, Lang::ZhCn, None, &[]),
            "于2026年6月30日前支付1200元（大写：人民币壹仟贰佰元整）。"
        );
        assert_eq!(
            term_text(&pay, Lang::En, None, &[]),
            "吴建华向郑丽娟支付人工费1200元（大写：人民币壹仟贰佰元整），于2026年6月30日前支付。",
            "a term worded in Chinese keeps its capitals in an English document"
        );
        let english = Term { text: "Wu pays Zheng 1,200 yuan.".into(), ..pay };
        assert_eq!(term_text(&english, Lang::En, None, &[]), "Wu pays Zheng 1,200 yuan, to be paid by 30 June 2026.");
    }

    #[test]
    fn a_payment_names_its_payer_and_payee_unless_its_wording_does() {
        let party = |party_id: i64, name: &str| PartySnapshot {
            party_id,
            role: "applicant".into(),
            name: name.into(),
            sex: None,
            ethnicity: None,
            birth_year: None,
            occupation: None,
            phone: None,
            address: None,
            organisation: None,
            represents: None,
        };
        let parties = [party(1, "吴建华"), party(2, "郑丽娟")];
        let pay = Term {
            amount_fen: Some(60_000),
            due: Some(day(6, 30)),
            obligor: Some(1),
            payee: Some(2),
            ..term(TermKind::Payment, "601室于2026年6月30日前将其应承担的600元支付给702室。")
        };
        assert_eq!(
            term_text(&pay, Lang::ZhCn, None, &parties),
            "601室于2026年6月30日前将其应承担的600元（大写：人民币陆佰元整）支付给702室（付款人：吴建华，收款人：郑丽娟）。"
        );
        let named = Term { text: "吴建华于2026年6月30日前向郑丽娟支付600元。".into(), ..pay.clone() };
        assert_eq!(
            term_text(&named, Lang::ZhCn, None, &parties),
            "吴建华于2026年6月30日前向郑丽娟支付600元（大写：人民币陆佰元整）。",
            "a wording that names them is not repeated"
        );
        let english = Term { text: "Unit 601 pays its share of 600 yuan to unit 702 by 30 June 2026.".into(), ..pay };
        assert_eq!(
            term_text(&english, Lang::En, None, &parties),
            "Unit 601 pays its share of 600 yuan to unit 702 by 30 June 2026 (payer: 吴建华; payee: 郑丽娟)."
        );
    }
}
