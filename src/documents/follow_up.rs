//! 人民调解回访记录 — one record per follow-up visit, under the agreement's
//! number, with each term's finding.

use super::forms::{field_table, finish, named_signatures, title_block, write_form};
use super::layout::{BODY, Laid, Layout};
use super::model::FollowUpsDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out every follow-up record.
pub fn lay_out(doc: &FollowUpsDoc) -> Laid {
    if doc.records.len() > 1 {
        return super::forms::each_record(&doc.one_by_one(), lay_out);
    }
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    if doc.records.is_empty() {
        title_block(&mut page, &l, "doc.follow_up.title", &doc.header.number);
        page.paragraph(&l.t("doc.follow_up.none"));
    }
    for (i, r) in doc.records.iter().enumerate() {
        if i > 0 {
            page.new_page();
        }
        title_block(&mut page, &l, "doc.follow_up.title", &doc.header.number);
        let yes_no = |b: bool| l.t(if b { "doc.yes" } else { "doc.no" });
        let rows = vec![
            (l.t("doc.follow_up.matter"), doc.matter.clone()),
            (l.t("doc.follow_up.parties"), doc.parties.join(&l.t("doc.field_separator"))),
            (l.t("doc.follow_up.time"), r.time.clone()),
            (l.t("doc.follow_up.method"), l.t(&format!("doc.follow_up.method_{}", r.method))),
            (l.t("doc.follow_up.visitor"), r.visitor.clone()),
            (l.t("doc.follow_up.overall"), l.t(&format!("doc.compliance.{}", r.overall))),
            (
                l.t("doc.follow_up.satisfaction"),
                r.satisfaction.map_or_else(
                    || super::BLANK.to_owned(),
                    |s| l.with("doc.follow_up.stars", &[("n", s.to_string())]),
                ),
            ),
            (l.t("doc.follow_up.lawsuit"), yes_no(r.lawsuit)),
            (l.t("doc.follow_up.risk_signs"), r.risk_signs.clone().unwrap_or_else(|| l.t("doc.none"))),
            (l.t("doc.follow_up.measures"), r.measures.clone().unwrap_or_else(|| l.t("doc.none"))),
        ];
        field_table(&mut page, &rows);
        page.heading(&l.t("doc.follow_up.performance"));
        let table: Vec<Vec<String>> = r
            .terms
            .iter()
            .enumerate()
            .map(|(n, (text, result, note))| {
                vec![
                    format!("{}{text}", l.ordinal(n + 1)),
                    l.t(&format!("doc.compliance.{result}")),
                    note.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let header = [l.t("doc.follow_up.term"), l.t("doc.follow_up.finding"), l.t("doc.follow_up.note")];
        page.table(&[0.55, 0.13, 0.32], Some(&header), &table, BODY - 1.5);
        if let Some(n) = &r.notes {
            page.heading(&l.t("doc.follow_up.notes"));
            page.paragraph(n);
        }
        page.space(8.0);
        page.signatures(&named_signatures(&l, "visitor", &r.visitor), 0.0);
    }
    finish(page, &l, &doc.header.number)
}

/// Renders the follow-up records.
pub fn render(doc: &FollowUpsDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(
        &lay_out(doc),
        &doc.header,
        &l.t("doc.follow_up.title"),
        format!("follow_up|{}|{}", doc.header.number, doc.records.len()),
    )
}
