//! 司法确认申请书 — the joint application for judicial confirmation (Art 33),
//! pre-filled, with the last day to file.

use super::agreement::parties_with;
use super::fonts::FaceId;
use super::forms::{finish, party_signatures, title_block, write_form};
use super::layout::{BODY, Closing, Laid, Layout, SMALL, SignatureLine};
use super::model::{ConfirmationDoc, PartyBlock};
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out the application. Filed jointly (Civil Procedure Law Art 205,
/// SPC 2011 rules Art 3): every party is an applicant, with the identity
/// document the court checks, and the attachments that exist.
pub fn lay_out(doc: &ConfirmationDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.confirmation.title", &doc.header.number);
    page.paragraph_with(&l.t("doc.confirmation.to_court"), FaceId::Body, BODY, 0.0, 0.0);
    let applicants: Vec<PartyBlock> =
        doc.parties.iter().map(|p| PartyBlock { role: "applicant".into(), ..p.clone() }).collect();
    let indent = page.measure(FaceId::Body, BODY, &l.t("doc.role.applicant"))
        + page.measure(FaceId::Body, BODY, &l.with("doc.colon_value", &[("value", String::new())]));
    for p in &applicants {
        parties_with(&mut page, &l, std::slice::from_ref(p), true);
        let kind = if p.organisation_party { "doc.confirmation.id_organisation" } else { "doc.confirmation.id_person" };
        let number = p.id_number.clone().unwrap_or_else(|| super::BLANK.to_owned());
        let id = l.with("doc.confirmation.id", &[("kind", l.t(kind)), ("number", number)]);
        page.paragraph_with(&id, FaceId::Body, BODY, indent / BODY, indent);
        // A company applies through its legal representative, or through
        // the agent the register records (who signs for it below).
        if p.organisation_party {
            let blank = super::BLANK.to_owned();
            let legal = l.with("doc.confirmation.legal_representative", &[("blank", blank)]);
            page.paragraph_with(&legal, FaceId::Body, BODY, indent / BODY, indent);
            if let Some(agent) = &p.representative {
                let agent = l.with("doc.confirmation.agent", &[("name", agent.clone())]);
                page.paragraph_with(&agent, FaceId::Body, BODY, indent / BODY, indent);
            }
        }
    }
    page.heading(&l.t("doc.confirmation.request_title"));
    page.paragraph(&l.with(
        if doc.oral { "doc.confirmation.request_oral" } else { "doc.confirmation.request" },
        &[
            ("committee", doc.header.committee.clone()),
            ("date", l.date(doc.effective_date)),
            ("number", doc.header.number.clone()),
        ],
    ));
    page.heading(&l.t("doc.confirmation.facts_title"));
    page.paragraph(&doc.facts);
    page.heading(&l.t("doc.confirmation.content"));
    for (i, t) in doc.terms.iter().enumerate() {
        page.labelled(&format!("    {}", l.ordinal(i + 1)), t);
    }
    page.heading(&l.t("doc.confirmation.deadline_title"));
    page.paragraph(&l.with("doc.confirmation.deadline", &[("deadline", l.date(doc.deadline))]));
    page.heading(&l.t("doc.confirmation.attachments_title"));
    let who = l.t(if doc.parties.len() > 2 { "doc.confirmation.all_parties" } else { "doc.confirmation.both_parties" });
    let mut attachments = vec![
        l.t(if doc.oral { "doc.confirmation.attachment_oral" } else { "doc.confirmation.attachment_agreement" }),
        l.with("doc.confirmation.attachment_ids", &[("who", who)]),
    ];
    if doc.agents {
        attachments.push(l.t("doc.confirmation.attachment_power"));
    }
    // The list ends with a full stop, whichever item is last.
    if let Some(last) = attachments.last_mut()
        && let Some(body) = last.strip_suffix('；').or_else(|| last.strip_suffix(';'))
    {
        let stop = if doc.header.lang == crate::domain::language::Lang::En { "." } else { "。" };
        *last = format!("{body}{stop}");
    }
    // The attachments and their hash stay together.
    for (i, a) in attachments.iter().enumerate() {
        if i > 0 {
            page.with_previous();
        }
        page.labelled(&format!("    {}", l.ordinal(i + 1)), a);
    }
    // The hash in small type, with the attachments it belongs to: never
    // alone at the head of a page.
    page.keep_with_previous(SMALL * 1.6 * 2.0, 2);
    page.with_previous();
    page.paragraph_with(
        &format!(
            "{}{}",
            l.t(if doc.oral { "doc.confirmation.hash_oral" } else { "doc.confirmation.hash" }),
            doc.content_hash
        ),
        FaceId::Body,
        SMALL,
        0.0,
        0.0,
    );
    let pledge = l.t("doc.confirmation.pledge");
    let lines: Vec<SignatureLine> = applicants.iter().flat_map(|p| party_signatures(&l, p, None)).collect();
    // The date line goes with the signatures.
    page.closing_signatures(&Closing { text: &pledge, size: BODY, before: 0.0, after: 8.0 }, &lines, BODY * 3.0);
    page.space(BODY * 0.6);
    page.right(&l.t("doc.blank_date"), FaceId::Body, BODY);
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
