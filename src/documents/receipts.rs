//! 人民调解受理回执 — each party's own receipt slip, one to a page: the
//! access code and PIN of the resident portal, printed for that party
//! alone. The slips are never filed: the register and the volume carry no
//! credentials.

use super::fonts::FaceId;
use super::forms::write_form;
use super::layout::{BODY, Laid, Layout};
use super::model::ReceiptsDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out one page per slip.
pub fn lay_out(doc: &ReceiptsDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    for (i, r) in doc.slips.iter().enumerate() {
        if i > 0 {
            page.new_page();
        }
        page.centered(&l.t("doc.receipt.title"), FaceId::Heading, 18.0);
        page.right(&doc.header.number, FaceId::Body, BODY);
        page.space(8.0);
        page.paragraph(&l.with(
            "doc.receipt.body",
            &[
                ("name", r.name.clone()),
                ("role", l.t(&format!("doc.role.{}", r.role))),
                ("committee", doc.header.committee.clone()),
                ("date", l.date(doc.registered)),
                ("number", doc.header.number.clone()),
            ],
        ));
        page.space(6.0);
        page.labelled(&l.t("doc.receipt.code"), &r.access_code);
        page.labelled(&l.t("doc.receipt.pin"), &r.pin);
        page.labelled(&l.t("doc.receipt.portal"), &doc.portal_url);
        page.space(6.0);
        page.paragraph_with(&l.t("doc.receipt.keep"), FaceId::Body, BODY - 1.5, 0.0, 0.0);
        page.space(10.0);
        page.right(&doc.header.committee, FaceId::Body, BODY);
        page.right(&l.date(doc.issued), FaceId::Body, BODY);
    }
    // No footer: a slip names no other page, and no other party.
    page.finish(&|_, _| Vec::new())
}

/// Renders the slips.
pub fn render(doc: &ReceiptsDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(&lay_out(doc), &doc.header, &l.t("doc.receipt.title"), format!("receipts|{}", doc.header.number))
}
