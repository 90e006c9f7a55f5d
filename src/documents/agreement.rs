//! 人民调解协议书 — the written agreement (printed with the sub-title
//! 调解备忘录 when it is a memorandum), laid out as the official form:
//! Art 29's elements, numbered terms, signature lines, the seal, and on
//! every page the number, the content hash and a QR code to verify it.

use super::fonts::FaceId;
use super::layout::{
    BODY, Closing, Item, Laid, Layout, MARGIN_X, PAGE_H, PAGE_W, SignatureLine, centered_small, qr_items, small,
    small_right,
};
use super::model::{AgreementDoc, PartyBlock, SignatureBlock};
use super::pdf::{Meta, PdfError, write};
use super::qr::encode;
use super::text::{NO_BREAK_JOIN, joined, unbroken};
use super::{Labels, Rendered};

/// A party's particulars in two lines: who they are, then how to reach them.
pub fn party_lines(l: &Labels, p: &PartyBlock) -> (String, String) {
    particulars(l, p, false)
}

/// A party's particulars; `birth_date` asks for the date of birth (as a
/// court's form does) rather than the year. Each label is joined to its
/// value, so a line never ends after "出生年份："; what a person's form
/// asks for and the records do not hold is left blank to be written in.
pub fn particulars(l: &Labels, p: &PartyBlock, birth_date: bool) -> (String, String) {
    let sep = l.t("doc.field_separator");
    let colon = l.with("doc.colon_value", &[("value", String::new())]);
    // A short field on one line ("职业：个体经营者", "住所：…1单元101"), a
    // longer one with its label kept on the line of its first words.
    let pair = |key: &str, value: String| {
        let label = format!("{}{colon}", l.t(key));
        if label.chars().count() + value.chars().count() <= super::forms::WHOLE_FIELD {
            unbroken(&format!("{label}{value}"))
        } else {
            joined(&label, &value)
        }
    };
    let mut first = vec![pair(&format!("doc.role.{}", p.role), p.name.clone())];
    if !p.organisation_party {
        if let Some(s) = &p.sex {
            first.push(pair("doc.field.sex", l.t(&format!("sex.{s}"))));
        }
        if let Some(e) = &p.ethnicity {
            first.push(pair("doc.field.ethnicity", super::ethnicity::printed(e, l.lang)));
        }
        if birth_date {
            let date = match (p.birth_date, p.birth_year) {
                (Some(d), _) => l.date(d),
                (None, Some(y)) => {
                    l.with("doc.birth_date_year", &[("year", y.to_string()), ("blank", BLANK_SHORT.into())])
                }
                (None, None) => super::BLANK.to_owned(),
            };
            // A date never breaks across lines ("____ ____ 1961").
            first.push(pair("doc.field.birth_date", date.replace(' ', &format!("{NO_BREAK_JOIN} "))));
        } else if let Some(y) = p.birth_year {
            first.push(pair("doc.field.birth_year", l.with("doc.year", &[("year", y.to_string())])));
        }
        first.push(pair("doc.field.occupation", p.occupation.clone().unwrap_or_else(|| super::BLANK.to_owned())));
    }
    if let Some(r) = &p.represents {
        first.push(pair("doc.field.represents", r.clone()));
    }
    let mut second = Vec::new();
    if let Some(o) = &p.organisation {
        second.push(pair("doc.field.organisation", o.clone()));
    }
    if let Some(ph) = &p.phone {
        second.push(pair("doc.field.phone", ph.clone()));
    }
    if let Some(a) = &p.address {
        second.push(pair("doc.field.address", a.clone()));
    }
    (first.join(&sep), second.join(&sep))
}

/// A short blank for the month or the day of a date to be written in.
const BLANK_SHORT: &str = "____";

/// Prints the party blocks.
pub fn parties(page: &mut Layout, l: &Labels, parties: &[PartyBlock]) {
    parties_with(page, l, parties, false);
}

/// Prints the party blocks, with the date of birth when `birth_date`.
pub fn parties_with(page: &mut Layout, l: &Labels, parties: &[PartyBlock], birth_date: bool) {
    for p in parties {
        let (who, contact) = particulars(l, p, birth_date);
        let indent = page.measure(FaceId::Body, BODY, &l.t(&format!("doc.role.{}", p.role)))
            + page.measure(FaceId::Body, BODY, &l.with("doc.colon_value", &[("value", String::new())]));
        page.paragraph_with(&who, FaceId::Body, BODY, 0.0, indent);
        if !contact.is_empty() {
            page.paragraph_with(&contact, FaceId::Body, BODY, indent / BODY, indent);
        }
    }
}

/// The signature line of a signer.
pub fn signature_line(l: &Labels, s: &SignatureBlock) -> SignatureLine {
    let label = match (s.role.as_str(), &s.party_role, &s.party_name) {
        ("party", Some(role), Some(name)) if s.organisation => {
            l.with("doc.sign.organisation_named", &[("role", l.t(&format!("doc.role.{role}"))), ("name", name.clone())])
        }
        ("party", Some(role), Some(name)) => {
            l.with("doc.sign.party_named", &[("role", l.t(&format!("doc.role.{role}"))), ("name", name.clone())])
        }
        ("party", Some(role), None) => l.with("doc.sign.party", &[("role", l.t(&format!("doc.role.{role}")))]),
        ("mediator" | "recorder", _, _) if s.name.is_some() => l.with(
            "doc.sign.staff_named",
            &[("role", l.t(&format!("doc.sign_role.{}", s.role))), ("name", s.name.clone().unwrap_or_default())],
        ),
        (role, _, _) => l.t(&format!("doc.sign.{role}")),
    };
    // A line already naming its signer (a party, the mediator, the
    // recorder): on paper the name is the signer's own hand, so only a
    // drawn signature carries it (under it).
    let named_in_label = s.party_name.is_some() || matches!(s.role.as_str(), "mediator" | "recorder");
    SignatureLine {
        label,
        name: if named_in_label && s.image.is_none() { None } else { s.name.clone() },
        note: s.method.as_ref().map(|m| l.t(&format!("doc.signed.{m}"))),
        image: s.image.clone(),
        date: s.date.map(|d| l.date(d)),
    }
}

/// The lines of a signer: an organisation seals on its line and signs
/// through its representative on the next (named when recorded).
pub fn signature_lines(l: &Labels, s: &SignatureBlock) -> Vec<SignatureLine> {
    let mut lines = vec![signature_line(l, s)];
    if s.organisation {
        let label = super::forms::representative_label(l, s.party_name.as_deref(), s.representative.as_deref());
        lines.push(match &s.representative_signed {
            // As recorded: the line names him, so only a drawn signature
            // carries the name (under it).
            Some(signed) => SignatureLine {
                label,
                name: signed.image.as_ref().and(signed.name.clone()),
                note: signed.method.as_ref().map(|m| l.t(&format!("doc.signed.{m}"))),
                image: signed.image.clone(),
                date: signed.date.map(|d| l.date(d)),
            },
            None => SignatureLine::blank(label),
        });
    }
    lines
}

fn footer(l: &Labels, doc: &AgreementDoc, page: usize, total: usize) -> Vec<Item> {
    let base = PAGE_H - 44.0;
    let mut items = vec![centered_small(&l.page_of(page, total), base + 14.0)];
    let left = match &doc.content_hash {
        Some(hash) => l.with(
            "doc.footer.effective",
            &[("number", doc.header.number.clone()), ("hash", hash.chars().take(16).collect())],
        ),
        None => l.with("doc.footer.draft", &[("number", doc.header.number.clone())]),
    };
    items.push(small(&left, MARGIN_X, base));
    if let Some(url) = &doc.verify_url
        && let Some(qr) = encode(url)
    {
        let size = 46.0;
        let x = PAGE_W - MARGIN_X - size;
        items.extend(qr_items(&qr, x, base - size + 16.0, size));
        items.push(small_right(&l.t("doc.footer.scan"), x - 6.0, base));
    }
    items
}

/// Renders the agreement.
pub fn render(doc: &AgreementDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    let laid = lay_out(doc);
    let pages = laid.pages.len();
    let meta = Meta {
        title: format!("{} {}", l.t("doc.agreement.title"), doc.header.number),
        subject: doc.header.committee.clone(),
        date: doc.header.record_time,
        id_seed: format!(
            "agreement|{}|{}|{}",
            doc.header.number,
            doc.version,
            doc.content_hash.as_deref().unwrap_or("draft")
        ),
    };
    Ok(Rendered { bytes: write(&laid, &meta)?, pages })
}

/// Lays out the agreement.
pub fn lay_out(doc: &AgreementDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    page.centered(&l.t("doc.agreement.title"), FaceId::Heading, 20.0);
    if let Some(subtitle) = &doc.subtitle {
        page.centered(&l.with("doc.subtitle", &[("subtitle", subtitle_text(&l, subtitle))]), FaceId::Heading, 14.0);
    }
    page.right(&doc.header.number, FaceId::Body, BODY);
    page.space(6.0);
    parties(&mut page, &l, &doc.parties);
    page.heading(&l.t("doc.agreement.facts"));
    page.paragraph(&doc.facts);
    page.heading(&l.t("doc.agreement.disputed"));
    page.paragraph(&doc.disputed_matters);
    if let Some(r) = &doc.responsibilities {
        page.heading(&l.t("doc.agreement.responsibilities"));
        page.paragraph(r);
    }
    page.heading(&l.t("doc.agreement.agreed"));
    for (i, term) in doc.terms.iter().enumerate() {
        let label = l.ordinal(i + 1);
        page.labelled(&format!("    {label}"), term);
    }
    page.heading(&l.t("doc.agreement.performance"));
    page.labelled(&l.t("doc.agreement.manner"), &doc.performance_manner);
    if let Some(place) = &doc.performance_place {
        page.labelled(&l.t("doc.agreement.place"), place);
    }
    if let Some(period) = performance_period(&l, doc) {
        page.labelled(&l.t("doc.agreement.deadline"), &period);
    }
    let copies = l.with("doc.agreement.copies", &[("copies", copies_words(&l, doc.copies))]);
    let lines: Vec<SignatureLine> = doc.signatures.iter().flat_map(|s| signature_lines(&l, s)).collect();
    page.closing_signatures(&Closing { text: &copies, size: BODY, before: 4.0, after: 10.0 }, &lines, SEAL_BLOCK);
    let date = doc.date.map(|d| l.date(d));
    seal_and_date(&mut page, &l, &doc.header.committee, doc.seal_image.as_deref(), doc.sealed, date.as_deref());
    page.finish(&|p, total| footer(&l, doc, p, total))
}

/// The sub-title as printed: the standard one (调解备忘录) in the
/// document's language, any other as typed.
fn subtitle_text(l: &Labels, subtitle: &str) -> String {
    let memorandum = |lang| crate::i18n::t(lang, "doc.memorandum");
    if crate::domain::language::Lang::ALL.iter().any(|&lang| subtitle.trim() == memorandum(lang)) {
        l.t("doc.memorandum")
    } else {
        subtitle.to_owned()
    }
}

/// When the terms are to be performed: those that recur or stand from the
/// effective date (in words while it is not yet in force), the others by
/// the deadline.
fn performance_period(l: &Labels, doc: &AgreementDoc) -> Option<String> {
    let deadline = doc.performance_deadline.map(|d| l.date(d));
    if doc.recurring.is_empty() {
        return deadline;
    }
    let start = doc.date.map_or_else(|| l.t("doc.agreement.start_effect"), |d| l.date(d));
    if doc.recurring.len() == doc.terms.len() {
        return Some(l.with("doc.agreement.all_recurring", &[("start", start)]));
    }
    let items: Vec<String> = doc
        .recurring
        .iter()
        .map(|i| match l.lang {
            crate::domain::language::Lang::ZhCn => super::chinese_number(i + 1),
            crate::domain::language::Lang::En => (i + 1).to_string(),
        })
        .collect();
    let standing = l.with(
        "doc.agreement.recurring_items",
        &[("items", items.join(&l.t("doc.agreement.items_separator"))), ("start", start)],
    );
    Some(match deadline {
        Some(date) => format!("{standing}{}", l.with("doc.agreement.rest_by", &[("date", date)])),
        None => standing,
    })
}

fn copies_words(l: &Labels, copies: i32) -> String {
    match l.lang {
        crate::domain::language::Lang::ZhCn => super::chinese_number(usize::try_from(copies).unwrap_or(0)),
        crate::domain::language::Lang::En => copies.to_string(),
    }
}

/// The height of the committee's seal and date block.
pub const SEAL_BLOCK: f32 = 96.0;

/// The committee line with the seal (image or its place) and the date,
/// bottom right. Sealed but with no seal image, the print is a copy and
/// says so; with no date (a draft), the date is left blank to be written.
pub fn seal_and_date(
    page: &mut Layout,
    l: &Labels,
    committee: &str,
    seal: Option<&[u8]>,
    sealed: bool,
    date: Option<&str>,
) {
    page.ensure(SEAL_BLOCK);
    page.space(12.0);
    let top = page.y();
    let right = PAGE_W - MARGIN_X;
    let width = |text: &str| super::fonts::fonts().body.width(text, BODY);
    let seal_label = if sealed && seal.is_none() { l.t("doc.seal.copy") } else { l.t("doc.seal.place") };
    let date = date.map_or_else(|| l.t("doc.blank_date"), str::to_owned);
    let lines = [committee.to_owned(), seal_label, date];
    for (i, line) in lines.iter().enumerate() {
        let y = top + 20.0 + i as f32 * 22.0;
        page.push(Item::Text { x: right - width(line), y, face: FaceId::Body, size: BODY, text: line.clone() });
    }
    if let (Some(png), true) = (seal, sealed) {
        let index = page.image(png.to_vec());
        let size = 84.0;
        page.push(Item::Image { index, x: right - size - 10.0, y: top, w: size, h: size });
    }
    page.space(SEAL_BLOCK - 12.0);
}
