//! 人民调解终止记录 — why mediation ended, the notice of the other routes
//! the parties were given (People's Mediation Law Art 26), and where the
//! case was referred. Filed in the volume of a case that ended without
//! agreement.

use super::Labels;
use super::forms::{field_table, finish, named_signatures, parties_line, title_block};
use super::layout::{Laid, Layout, SignatureLine};
use super::model::TerminationDoc;

/// Lays out the record.
pub fn lay_out(doc: &TerminationDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.termination.title", &doc.header.number);
    let mut rows = vec![
        (l.t("doc.termination.matter"), doc.matter.clone()),
        (l.t("doc.termination.parties"), parties_line(&l, &doc.parties)),
        (l.t("doc.termination.mediators"), doc.mediators.clone()),
    ];
    if let Some(date) = doc.date {
        rows.push((l.t("doc.termination.date"), l.date(date)));
    }
    if let Some(reason) = &doc.reason {
        rows.push((l.t("doc.termination.reason"), reason.clone()));
    }
    rows.retain(|(_, v)| !v.is_empty());
    field_table(&mut page, &rows);
    if doc.reason.is_some() {
        page.heading(&l.t("doc.termination.notice_title"));
        page.paragraph(&l.t(if doc.routes_explained {
            "doc.termination.notice"
        } else {
            "doc.termination.notice_missing"
        }));
    }
    if !doc.referrals.is_empty() {
        page.heading(&l.t("doc.termination.referrals_title"));
        for (i, (to, reason, date)) in doc.referrals.iter().enumerate() {
            let text = l.with(
                "doc.termination.referral",
                &[("date", l.date(*date)), ("to", to.clone()), ("reason", reason.clone())],
            );
            page.labelled(&format!("    {}", l.ordinal(i + 1)), &text);
        }
    }
    page.space(8.0);
    let date = doc.date.map(|d| l.date(d));
    let lines: Vec<SignatureLine> = named_signatures(&l, "mediator", &doc.mediators)
        .into_iter()
        .map(|line| SignatureLine { date: date.clone(), ..line })
        .collect();
    page.signatures(&lines, 0.0);
    finish(page, &l, &doc.header.number)
}
