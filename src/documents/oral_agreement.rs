//! 人民调解口头协议登记表 — the register of an oral agreement (Arts 28, 30).

use super::agreement::party_lines;
use super::forms::{field_table, finish, title_block, write_form};
use super::layout::{Laid, Layout, SignatureLine};
use super::model::OralAgreementDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out the register.
pub fn lay_out(doc: &OralAgreementDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.oral.title", &doc.header.number);
    let parties: Vec<String> = doc.parties.iter().map(|p| party_lines(&l, p).0).collect();
    let terms: Vec<String> = doc.terms.iter().enumerate().map(|(i, t)| format!("{}{t}", l.ordinal(i + 1))).collect();
    let mut rows = vec![
        (l.t("doc.oral.parties"), parties.join("\n")),
        (l.t("doc.oral.facts"), doc.facts.clone()),
        (l.t("doc.oral.content"), terms.join("\n")),
        (l.t("doc.oral.performance"), doc.performance.clone()),
        (l.t("doc.oral.date"), l.date(doc.date)),
        (l.t("doc.oral.mediator"), doc.mediator.clone()),
        (l.t("doc.oral.registrar"), doc.registrar.clone()),
    ];
    if let Some(hash) = &doc.content_hash {
        rows.push((l.t("doc.oral.hash"), hash.clone()));
    }
    field_table(&mut page, &rows);
    page.space(6.0);
    page.paragraph(&l.t("doc.oral.effect"));
    page.space(8.0);
    page.signatures(
        &[SignatureLine {
            name: Some(doc.mediator.clone()),
            date: Some(l.date(doc.date)),
            ..SignatureLine::blank(l.t("doc.sign.mediator"))
        }],
        0.0,
    );
    finish(page, &l, &doc.header.number)
}

/// Renders the register.
pub fn render(doc: &OralAgreementDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(
        &lay_out(doc),
        &doc.header,
        &l.t("doc.oral.title"),
        format!("oral|{}|{}", doc.header.number, doc.content_hash.as_deref().unwrap_or("")),
    )
}
