//! 当事人权利义务告知书 — the notice of the parties' rights and duties
//! (People's Mediation Law Arts 3, 4, 23, 24), signed by each party.

use super::forms::{finish, party_signatures, title_block, write_form};
use super::layout::{BODY, Closing, Laid, Layout, SignatureLine};
use super::model::RightsNoticeDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out the notice.
pub fn lay_out(doc: &RightsNoticeDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.rights.title", &doc.header.number);
    page.paragraph(&l.with("doc.rights.intro", &[("committee", doc.header.committee.clone())]));
    page.heading(&l.t("doc.rights.principles_title"));
    page.paragraph(&l.t("doc.rights.principles"));
    page.heading(&l.t("doc.rights.rights_title"));
    for i in 1..=4 {
        page.labelled(&format!("    {}", l.sub_ordinal(i)), &l.t(&format!("doc.rights.right_{i}")));
    }
    page.heading(&l.t("doc.rights.duties_title"));
    for i in 1..=3 {
        page.labelled(&format!("    {}", l.sub_ordinal(i)), &l.t(&format!("doc.rights.duty_{i}")));
    }
    page.heading(&l.t("doc.rights.other_title"));
    // 双方 only for two parties: three or more are 各方.
    let who = l.t(if doc.parties.len() > 2 { "doc.confirmation.all_parties" } else { "doc.confirmation.both_parties" });
    page.paragraph(&l.with("doc.rights.other", &[("who", who)]));
    let acknowledge = l.t("doc.rights.acknowledge");
    let lines: Vec<SignatureLine> =
        doc.parties.iter().flat_map(|p| party_signatures(&l, p, Some(l.date(doc.date)))).collect();
    page.closing_signatures(&Closing { text: &acknowledge, size: BODY, before: 6.0, after: 8.0 }, &lines, 0.0);
    finish(page, &l, &doc.header.number)
}

/// Renders the notice.
pub fn render(doc: &RightsNoticeDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(&lay_out(doc), &doc.header, &l.t("doc.rights.title"), format!("rights|{}", doc.header.number))
}
