//! Pieces shared by the forms: the title block, the footer, finishing.

use super::fonts::FaceId;
use super::layout::{BODY, Item, Laid, Layout, MARGIN_X, PAGE_H, SignatureLine, centered_small, small};
use super::model::{Header, PartyBlock};
use super::pdf::{Meta, PdfError, write};
use super::text::{unbroken, whole_label};
use super::{Labels, Rendered};

/// Title, optional sub-title and the number at the top right.
pub fn title_block(page: &mut Layout, l: &Labels, title_key: &str, number: &str) {
    page.centered(&l.t(title_key), FaceId::Heading, 20.0);
    page.right(number, FaceId::Body, BODY);
    page.space(4.0);
}

/// The footer of the forms: the number on the left, the page in the middle.
pub fn footer(l: &Labels, number: &str, page: usize, total: usize) -> Vec<Item> {
    let base = PAGE_H - 44.0;
    vec![small(number, MARGIN_X, base), centered_small(&l.page_of(page, total), base + 14.0)]
}

/// Finishes a layout with the standard footer.
pub fn finish(page: Layout, l: &Labels, number: &str) -> Laid {
    page.finish(&|p, total| footer(l, number, p, total))
}

/// Records laid out one after another, each on pages of its own and
/// numbered on its own (第1页 共2页 of each record).
pub fn each_record<D>(records: &[D], lay_out_one: impl Fn(&D) -> Laid) -> Laid {
    let mut laid = Laid::default();
    for r in records {
        laid.append(lay_out_one(r));
    }
    laid
}

/// Writes a laid-out form.
pub fn write_form(laid: &Laid, header: &Header, title: &str, id_seed: String) -> Result<Rendered, PdfError> {
    let meta = Meta {
        title: format!("{title} {}", header.number),
        subject: header.committee.clone(),
        date: header.record_time,
        id_seed,
    };
    Ok(Rendered { bytes: write(laid, &meta)?, pages: laid.pages.len() })
}

/// A label/value table (registers, cover sheets). The label column is
/// widened, up to a third of the width, so that no label breaks inside a
/// word: a Chinese label (矛盾激化苗头或隐患) is one word, an English one
/// breaks between its words.
pub fn field_table(page: &mut Layout, rows: &[(String, String)]) {
    let pad = 2.0 * 4.0 + 1.0;
    let widest = rows
        .iter()
        .flat_map(|(k, _)| k.split_whitespace())
        .map(|word| page.measure(FaceId::Body, BODY, word) + pad)
        .fold(0.0, f32::max);
    let label = (widest / page.width()).clamp(0.24, 1.0 / 3.0);
    let rows: Vec<Vec<String>> = rows.iter().map(|(k, v)| vec![whole_label(k), v.clone()]).collect();
    page.table(&[label, 1.0 - label], None, &rows, BODY);
}

/// The parties as a record lists them: "申请人：张秀兰　被申请人：周桂芳".
pub fn parties_line(l: &Labels, parties: &[PartyBlock]) -> String {
    let named: Vec<String> = parties.iter().map(|p| party_named(l, &p.role, &p.name)).collect();
    named.join(&l.t("doc.field_separator"))
}

/// A party by role and name: "申请人：张秀兰" / "Applicant: Zhang", on
/// one line ("第三人：敦华物业服务有限公司" never breaks inside).
pub fn party_named(l: &Labels, role: &str, name: &str) -> String {
    let named =
        format!("{}{}", l.t(&format!("doc.role.{role}")), l.with("doc.colon_value", &[("value", name.to_owned())]));
    if named.chars().count() <= WHOLE_FIELD { unbroken(&named) } else { named }
}

/// The longest "label：value" kept on one line: a longer value may break.
pub const WHOLE_FIELD: usize = 28;

/// The lines on which a party signs: a person in their own hand (签名、盖章
/// 或按指印); an organisation by its seal and through the person acting
/// for it, named when one is recorded, else a line for them to sign.
pub fn party_signatures(l: &Labels, p: &PartyBlock, date: Option<String>) -> Vec<SignatureLine> {
    let role = l.t(&format!("doc.role.{}", p.role));
    if !p.organisation_party {
        let label = l.with("doc.sign.party_named", &[("role", role), ("name", p.name.clone())]);
        return vec![SignatureLine { date, ..SignatureLine::blank(label) }];
    }
    // Sealed and signed the same day: both lines carry the date.
    vec![
        SignatureLine {
            date: date.clone(),
            ..SignatureLine::blank(l.with("doc.sign.organisation_named", &[("role", role), ("name", p.name.clone())]))
        },
        SignatureLine {
            date,
            ..SignatureLine::blank(representative_label(l, Some(&p.name), p.representative.as_deref()))
        },
    ]
}

/// "敦华物业服务有限公司委托代理人 钱志刚（签名）：": whose agent, and the
/// agent's name when one is recorded.
pub fn representative_label(l: &Labels, organisation: Option<&str>, name: Option<&str>) -> String {
    match (organisation, name) {
        (Some(org), Some(name)) => {
            l.with("doc.sign.representative_named", &[("organisation", org.to_owned()), ("name", name.to_owned())])
        }
        (Some(org), None) => l.with("doc.sign.representative", &[("organisation", org.to_owned())]),
        (None, _) => l.t("doc.sign.representative_unnamed"),
    }
}

/// The lines on which the people a record names in a role sign, one each
/// and each naming whose it is ("调查人 王建国（签名）："): `names` as the
/// record holds them ("王建国、李梅", "周桂芳（合唱队组织者）"). A line
/// named by the role alone when the record names no one.
pub fn named_signatures(l: &Labels, role: &str, names: &str) -> Vec<SignatureLine> {
    let role = l.t(&format!("doc.sign_role.{role}"));
    let mut seen: Vec<&str> = Vec::new();
    for name in names.split(['、', '，', ',', '；', ';', '　']) {
        // A description after the name (（合唱队组织者）) is not signed.
        let name = name.split(['（', '(']).next().unwrap_or_default().trim();
        if !name.is_empty() && !seen.contains(&name) {
            seen.push(name);
        }
    }
    if seen.is_empty() {
        return vec![SignatureLine::blank(l.with("doc.sign.staff", &[("role", role)]))];
    }
    seen.into_iter()
        .map(|name| {
            SignatureLine::blank(l.with("doc.sign.staff_named", &[("role", role.clone()), ("name", name.to_owned())]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The printed lines of a laid-out table.
    fn texts(laid: &Laid) -> Vec<String> {
        laid.pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_party_and_a_short_field_stay_on_one_line() {
        use crate::domain::language::Lang;
        let l = Labels { lang: Lang::ZhCn };
        let named = party_named(&l, "third_party", "敦华物业服务有限公司");
        // Sixteen characters of room: the name goes whole to the next line.
        let measure = |s: &str| s.chars().count() as f32;
        assert_eq!(
            super::super::text::wrap(&format!("当事人为{named}"), 16.0, &measure),
            ["当事人为", "第三人：敦华物业服务有限公司"]
        );
        let party = PartyBlock {
            role: "applicant".into(),
            name: "司马建军".into(),
            occupation: Some("个体经营者".into()),
            ..PartyBlock::default()
        };
        let (who, _) = super::super::agreement::particulars(&l, &party, false);
        let lines = super::super::text::wrap(&who, 14.0, &measure);
        assert!(lines.iter().any(|line| line.ends_with("职业：个体经营者")), "{lines:?}");
    }

    #[test]
    fn no_label_of_a_field_table_breaks_inside_a_word() {
        let rows = [
            ("矛盾激化苗头或隐患".to_owned(), "无".to_owned()),
            ("Signs of escalation or hidden risk".to_owned(), "None".to_owned()),
        ];
        let mut page = Layout::new();
        field_table(&mut page, &rows);
        let printed = texts(&page.finish(&|_, _| Vec::new()));
        assert!(printed.contains(&"矛盾激化苗头或隐患".to_owned()), "{printed:?}");
        for word in ["Signs", "escalation", "hidden", "risk"] {
            assert!(printed.iter().any(|l| l.split_whitespace().any(|w| w == word)), "{word} whole: {printed:?}");
        }
    }
}
