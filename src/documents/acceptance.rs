//! 人民调解受理登记表 — the acceptance register. It is filed: the parties'
//! portal credentials are on their own receipt slips (`receipts`), never
//! here.

use super::agreement::{SEAL_BLOCK, party_lines, seal_and_date};
use super::forms::{field_table, finish, named_signatures, party_signatures, title_block, write_form};
use super::layout::{Laid, Layout, SignatureLine};
use super::model::{AcceptanceDoc, PartyBlock};
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out the register.
pub fn lay_out(doc: &AcceptanceDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.acceptance.title", &doc.header.number);
    let parties: Vec<String> = doc
        .parties
        .iter()
        .map(|p| {
            let (who, contact) = party_lines(&l, p);
            if contact.is_empty() { who } else { format!("{who}\n{contact}") }
        })
        .collect();
    let mut rows = vec![
        (l.t("doc.acceptance.date"), l.date(doc.date)),
        (l.t("doc.acceptance.source"), l.t(&format!("source.{}", doc.source))),
        (l.t("doc.acceptance.type"), l.t(&format!("dispute_type.{}", doc.dispute_type))),
        (l.t("doc.acceptance.matter"), doc.title.clone()),
        (l.t("doc.acceptance.parties"), parties.join("\n")),
        (l.t("doc.acceptance.facts"), doc.facts.clone()),
    ];
    if doc.complaint_households > 0 {
        rows.push((
            l.t("doc.acceptance.complaints"),
            l.with("doc.acceptance.households", &[("count", doc.complaint_households.to_string())]),
        ));
    }
    rows.push((l.t("doc.acceptance.mediators"), doc.mediators.join(&l.t("doc.field_separator"))));
    field_table(&mut page, &rows);
    page.space(10.0);
    // A company's representative signs on the company's line, not again
    // on a line of their own.
    let for_a_company = |p: &&PartyBlock| {
        p.represents.as_deref().is_some_and(|r| doc.parties.iter().any(|o| o.organisation_party && o.name == r))
    };
    let mut lines: Vec<SignatureLine> =
        doc.parties.iter().filter(|p| !for_a_company(p)).flat_map(|p| party_signatures(&l, p, None)).collect();
    // The registrar's line names whose it is; the name is not a signature.
    lines.extend(named_signatures(&l, "registrar", doc.registrar.as_deref().unwrap_or_default()));
    page.signatures(&lines, SEAL_BLOCK);
    let date = l.date(doc.date);
    seal_and_date(
        &mut page,
        &l,
        &doc.header.committee,
        doc.seal_image.as_deref(),
        doc.seal_image.is_some(),
        Some(&date),
    );
    finish(page, &l, &doc.header.number)
}

/// Renders the register.
pub fn render(doc: &AcceptanceDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(&lay_out(doc), &doc.header, &l.t("doc.acceptance.title"), format!("acceptance|{}", doc.header.number))
}
