//! 人民调解口头协议登记表 — the register of an oral agreement (Arts 28, 30).

use super::agreement::party_lines;
use super::forms::{field_table, named_signatures, party_signatures, title_block, write_form};
use super::layout::{
    BODY, Closing, Item, Laid, Layout, MARGIN_X, PAGE_H, PAGE_W, SignatureLine, qr_items, small_right,
};
use super::model::OralAgreementDoc;
use super::pdf::PdfError;
use super::qr::encode;
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
    // The parties confirm what was registered, each on a line naming them
    // (a company by its seal and its representative), as on the agreement.
    let mut lines: Vec<SignatureLine> =
        doc.parties.iter().filter(|p| p.role != "representative").flat_map(|p| party_signatures(&l, p, None)).collect();
    // The mediator's and the registrar's lines name whose they are.
    let staff = named_signatures(&l, "mediator", &doc.mediator).into_iter();
    let staff = staff.chain(named_signatures(&l, "registrar", &doc.registrar));
    lines.extend(staff.map(|line| SignatureLine { date: Some(l.date(doc.date)), ..line }));
    let effect = l.t("doc.oral.effect");
    page.closing_signatures(&Closing { text: &effect, size: BODY, before: 6.0, after: 8.0 }, &lines, 0.0);
    page.finish(&|p, total| footer(&l, doc, p, total))
}

/// The forms' footer, and once the agreement is in force a QR code to its
/// public verification page, as on a written agreement.
fn footer(l: &Labels, doc: &OralAgreementDoc, page: usize, total: usize) -> Vec<Item> {
    let mut items = super::forms::footer(l, &doc.header.number, page, total);
    if let Some(url) = &doc.verify_url
        && let Some(qr) = encode(url)
    {
        let size = 46.0;
        let x = PAGE_W - MARGIN_X - size;
        let base = PAGE_H - 44.0;
        items.extend(qr_items(&qr, x, base - size + 16.0, size));
        items.push(small_right(&l.t("doc.footer.scan"), x - 6.0, base));
    }
    items
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
