//! 人民调解记录 — one record per mediation session (and per community
//! meeting), with the text of every article cited.

use super::fonts::FaceId;
use super::forms::{field_table, finish, named_signatures, parties_line, party_signatures, title_block, write_form};
use super::layout::{BODY, Closing, Laid, Layout, SMALL, SignatureLine};
use super::model::SessionsDoc;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// Lays out every session record of the case.
pub fn lay_out(doc: &SessionsDoc) -> Laid {
    if doc.records.len() > 1 {
        return super::forms::each_record(&doc.one_by_one(), lay_out);
    }
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    if doc.records.is_empty() {
        title_block(&mut page, &l, "doc.session.title", &doc.header.number);
        page.paragraph(&l.t("doc.session.none"));
    }
    for (i, r) in doc.records.iter().enumerate() {
        if i > 0 {
            page.new_page();
        }
        let title = if r.meeting { "doc.session.meeting_title" } else { "doc.session.title" };
        title_block(&mut page, &l, title, &doc.header.number);
        // A residents' meeting is not a mediation: its own labels.
        let label = |key: &str| l.t(&format!("doc.session.{}{key}", if r.meeting { "meeting_" } else { "" }));
        let mut rows = vec![
            (label("matter"), doc.matter.clone()),
            (label("time"), r.time.clone()),
            (label("place"), r.place.clone()),
            (l.t("doc.session.mediators"), r.mediators.clone()),
        ];
        if !r.meeting {
            rows.push((l.t("doc.session.recorder"), r.recorder.clone()));
            rows.push((l.t("doc.session.parties"), parties_line(&l, &doc.parties)));
        }
        if let Some(a) = &r.attendees {
            // A session's parties, mediators and recorder have rows of
            // their own: those present are the others (参加人).
            let attendees = if r.meeting {
                a.clone()
            } else {
                let mut named: Vec<&str> = doc.parties.iter().map(|p| p.name.as_str()).collect();
                named.extend(r.mediators.split(SEPARATORS).chain(r.recorder.split(SEPARATORS)).map(str::trim));
                others(a, &named)
            };
            rows.push((l.t("doc.session.attendees"), attendees));
        }
        rows.retain(|(_, v)| !v.is_empty());
        if r.meeting {
            // Who chaired and who recorded a meeting are always stated;
            // what the records do not hold is left blank to write in.
            rows.insert(3, (l.t("doc.session.chair"), r.chair.clone().unwrap_or_else(|| super::BLANK.to_owned())));
            rows.insert(4, (l.t("doc.session.recorder"), r.recorder.clone()));
        }
        field_table(&mut page, &rows);
        if !r.meeting {
            page.heading(&l.t("doc.session.rights_told"));
            page.paragraph(&l.t("doc.session.rights_text"));
        }
        if !r.statements.is_empty() {
            page.heading(&l.t("doc.session.statements"));
            for (speaker, text) in &r.statements {
                page.labelled(&format!("{speaker}{}", l.t("doc.session.said")), text);
            }
        }
        if let Some(f) = &r.findings {
            page.heading(&l.t(if r.meeting { "doc.session.explanations" } else { "doc.session.findings" }));
            page.paragraph(f);
        }
        if let Some(risk) = &r.risks {
            page.heading(&l.t("doc.session.risks"));
            page.paragraph(risk);
        }
        page.heading(&l.t(if r.meeting { "doc.session.vote" } else { "doc.session.outcome" }));
        let outcome = if r.meeting { r.outcome.clone() } else { l.t(&format!("doc.session.outcome_{}", r.outcome)) };
        page.paragraph(&outcome);
        if let Some(reason) = &r.failure_reason {
            page.labelled(&l.t("doc.session.failure_reason"), reason);
        }
        if !r.citations.is_empty() {
            page.heading(&l.t("doc.session.citations"));
            for c in &r.citations {
                page.ensure(SMALL * 6.0);
                page.paragraph_with(&c.title, FaceId::Heading, SMALL + 1.0, 0.0, 0.0);
                page.paragraph_with(&c.text, FaceId::Body, SMALL + 1.0, 2.0, 0.0);
            }
        }
        let mut lines: Vec<SignatureLine> = Vec::new();
        if !r.meeting {
            lines.extend(doc.parties.iter().flat_map(|p| party_signatures(&l, p, None)));
        }
        if r.meeting {
            lines.extend(named_signatures(&l, "chair", r.chair.as_deref().unwrap_or_default()));
        } else {
            lines.extend(named_signatures(&l, "mediator", &r.mediators));
        }
        lines.extend(named_signatures(&l, "recorder", &r.recorder));
        let read_back = l.t(if r.meeting { "doc.session.read_back_meeting" } else { "doc.session.read_back" });
        page.closing_signatures(&Closing { text: &read_back, size: BODY, before: 4.0, after: 4.0 }, &lines, 0.0);
    }
    finish(page, &l, &doc.header.number)
}

/// What separates the names in a list the records hold.
const SEPARATORS: [char; 5] = ['、', '，', ',', '；', ';'];

/// The people of a list who are not `named`, the list kept as written when
/// it names none of them. A description after a name (张秀兰（申请人）)
/// does not hide it.
fn others(list: &str, named: &[&str]) -> String {
    let parts: Vec<&str> = list.split(SEPARATORS).map(str::trim).filter(|p| !p.is_empty()).collect();
    let kept: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|part| {
            let name = part.split(['（', '(']).next().unwrap_or_default().trim();
            !named.contains(&name)
        })
        .collect();
    if kept.len() == parts.len() {
        return list.to_owned();
    }
    let separator = match SEPARATORS.iter().find(|c| list.contains(**c)) {
        Some(',') => ", ".to_owned(),
        Some(';') => "; ".to_owned(),
        Some(c) => c.to_string(),
        None => "、".to_owned(),
    };
    kept.join(&separator)
}

/// Renders the session records.
pub fn render(doc: &SessionsDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(
        &lay_out(doc),
        &doc.header,
        &l.t("doc.session.title"),
        format!("session|{}|{}", doc.header.number, doc.records.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn those_present_at_a_session_are_listed_without_the_parties_and_staff() {
        let named = ["张秀兰", "周桂芳", "王建国"];
        assert_eq!(others("张秀兰、周桂芳、合唱队成员代表2人", &named), "合唱队成员代表2人");
        assert_eq!(others("张秀兰（申请人）、居民代表", &named), "居民代表");
        assert_eq!(others("居民代表、物业", &named), "居民代表、物业", "kept as written");
        assert_eq!(others("张秀兰、周桂芳", &named), "");
        assert_eq!(others("Zhang, Resident representative", &["Zhang"]), "Resident representative");
    }
}
