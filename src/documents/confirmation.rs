//! 司法确认申请书 — the joint application for judicial confirmation (Art 33),
//! pre-filled, with the last day to file.

use super::agreement::parties;
use super::forms::{finish, title_block, write_form};
use super::layout::{Laid, Layout, SignatureLine};
use super::model::ConfirmationDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out the application.
pub fn lay_out(doc: &ConfirmationDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.confirmation.title", &doc.header.number);
    page.paragraph(&l.t("doc.confirmation.to_court"));
    parties(&mut page, &l, &doc.parties);
    page.heading(&l.t("doc.confirmation.request_title"));
    page.paragraph(&l.with(
        "doc.confirmation.request",
        &[
            ("committee", doc.header.committee.clone()),
            ("date", l.date(doc.effective_date)),
            ("number", doc.header.number.clone()),
        ],
    ));
    page.heading(&l.t("doc.confirmation.content"));
    for (i, t) in doc.terms.iter().enumerate() {
        page.labelled(&format!("    {}", l.ordinal(i + 1)), t);
    }
    page.heading(&l.t("doc.confirmation.deadline_title"));
    page.paragraph(&l.with("doc.confirmation.deadline", &[("deadline", l.date(doc.deadline))]));
    page.heading(&l.t("doc.confirmation.attachments_title"));
    for i in 1..=3 {
        page.labelled(&format!("    {}", l.ordinal(i)), &l.t(&format!("doc.confirmation.attachment_{i}")));
    }
    page.labelled(&l.t("doc.confirmation.hash"), &doc.content_hash);
    page.paragraph(&l.t("doc.confirmation.pledge"));
    page.space(8.0);
    let lines: Vec<SignatureLine> = doc
        .parties
        .iter()
        .map(|p| {
            SignatureLine::blank(l.with(
                "doc.sign.party_named",
                &[("role", l.t(&format!("doc.role.{}", p.role))), ("name", p.name.clone())],
            ))
        })
        .collect();
    page.signatures(&lines, 0.0);
    finish(page, &l, &doc.header.number)
}

/// Renders the application.
pub fn render(doc: &ConfirmationDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(
        &lay_out(doc),
        &doc.header,
        &l.t("doc.confirmation.title"),
        format!("confirmation|{}|{}", doc.header.number, doc.content_hash),
    )
}
