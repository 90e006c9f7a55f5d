//! 人民调解申请书 — the application.

use super::agreement::parties;
use super::forms::{finish, party_signatures, title_block, write_form};
use super::layout::{BODY, Closing, Laid, Layout, SignatureLine};
use super::model::ApplicationDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out the application.
pub fn lay_out(doc: &ApplicationDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.application.title", &doc.header.number);
    parties(&mut page, &l, &doc.applicants);
    parties(&mut page, &l, &doc.respondents);
    page.heading(&l.t("doc.application.facts"));
    page.paragraph(&doc.facts);
    page.heading(&l.t("doc.application.requests"));
    if doc.requests.is_empty() {
        page.paragraph(&l.t("doc.application.no_requests"));
    }
    for (i, r) in doc.requests.iter().enumerate() {
        page.labelled(&format!("    {}", l.ordinal(i + 1)), r);
    }
    let declaration = l.with("doc.application.declaration", &[("committee", doc.header.committee.clone())]);
    let date = l.date(doc.date);
    let lines: Vec<SignatureLine> =
        doc.applicants.iter().flat_map(|p| party_signatures(&l, p, Some(date.clone()))).collect();
    page.closing_signatures(&Closing { text: &declaration, size: BODY, before: 6.0, after: 10.0 }, &lines, 0.0);
    finish(page, &l, &doc.header.number)
}

/// Renders the application.
pub fn render(doc: &ApplicationDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(&lay_out(doc), &doc.header, &l.t("doc.application.title"), format!("application|{}", doc.header.number))
}
