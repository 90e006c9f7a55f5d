//! 人民调解卷宗 — the case volume: cover, index (卷内目录) in the standard
//! order with page numbers, every document of the case, and the back cover,
//! numbered through in the top right corner.

use chrono::NaiveDate;

use super::fonts::FaceId;
use super::forms::field_table;
use super::layout::{BODY, Laid, Layout, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_H, PAGE_W, small_right};
use super::model::{Header, IndexEntry};
use super::pdf::{Meta, PdfError, write_embedding};
use super::{Labels, Rendered};

/// The volume's cover details and its documents, already laid out, in the
/// standard order.
#[derive(Debug, Clone)]
pub struct VolumeDoc {
    /// Origin.
    pub header: Header,
    /// Case title.
    pub title: String,
    /// Mediators.
    pub mediators: Vec<String>,
    /// Registration date.
    pub registered: NaiveDate,
    /// The day mediation ended (the agreement took effect, or it was
    /// terminated or referred), once it has.
    pub mediation_ended: Option<NaiveDate>,
    /// Closing date (结案日期), once closed.
    pub closed: Option<NaiveDate>,
    /// Status code.
    pub status: String,
    /// Retention period in years.
    pub retention_years: i32,
    /// Who files the volume.
    pub filed_by: String,
    /// (Document title, its pages).
    pub documents: Vec<(String, Laid)>,
    /// Materials kept on paper that the index lists in their standard
    /// place (identity documents, evidence, proof of performance): (how
    /// many of `documents` come before it, title). Their pages are written
    /// in by the person who files the volume.
    pub paper: Vec<(usize, String)>,
    /// Documents filed as finished PDFs (the archived agreement): (index in
    /// `documents`, the PDF). Their entry in `documents` holds as many blank
    /// pages, which the PDF's own pages replace.
    pub embedded: Vec<(usize, Vec<u8>)>,
    /// Documents the system expected of this case and does not hold, by
    /// title; the back sheet lists them for the person who checks.
    pub missing: Vec<String>,
}

fn cover(l: &Labels, doc: &VolumeDoc) -> Laid {
    let mut page = Layout::new();
    page.space(60.0);
    page.centered(&doc.header.committee, FaceId::Heading, 18.0);
    page.space(30.0);
    page.centered(&l.t("doc.volume.title"), FaceId::Heading, 30.0);
    page.space(40.0);
    let period = match doc.mediation_ended.or(doc.closed) {
        // Mediated and agreed on the day it was accepted.
        Some(ended) if ended == doc.registered => l.date(ended),
        Some(ended) => l.with("doc.volume.period_closed", &[("from", l.date(doc.registered)), ("to", l.date(ended))]),
        None => l.with("doc.volume.period_open", &[("from", l.date(doc.registered))]),
    };
    let rows = [
        (l.t("doc.volume.number"), doc.header.number.clone()),
        (l.t("doc.volume.matter"), doc.title.clone()),
        (l.t("doc.volume.mediators"), doc.mediators.join(&l.t("doc.field_separator"))),
        (l.t("doc.volume.period"), period),
        // Blank until the case is closed, to be written in on the paper
        // volume if it is filed before.
        (l.t("doc.volume.closed"), doc.closed.map(|d| l.date(d)).unwrap_or_default()),
        (l.t("doc.volume.status"), l.t(&format!("status.{}", doc.status))),
        (l.t("doc.volume.filed_by"), doc.filed_by.clone()),
        // Filed by a person, on a day: written in by hand.
        (l.t("doc.volume.filer"), String::new()),
        (l.t("doc.volume.filed_on"), String::new()),
        (l.t("doc.volume.retention"), l.with("doc.volume.years", &[("years", doc.retention_years.to_string())])),
        (l.t("doc.volume.remarks"), String::new()),
    ];
    field_table(&mut page, &rows);
    page.finish(&|_, _| Vec::new())
}

fn index(l: &Labels, doc: &VolumeDoc, entries: &[IndexEntry]) -> Laid {
    let mut page = Layout::new();
    page.centered(&l.t("doc.volume.index"), FaceId::Heading, 18.0);
    page.right(&doc.header.number, FaceId::Body, BODY);
    let header = [l.t("doc.volume.no"), l.t("doc.volume.document"), l.t("doc.volume.page"), l.t("doc.volume.note")];
    let rows: Vec<Vec<String>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let pages = match e.pages {
                0 => String::new(),
                1 => e.page.to_string(),
                n => format!("{}–{}", e.page, e.page + n - 1),
            };
            vec![(i + 1).to_string(), e.title.clone(), pages, e.note.clone()]
        })
        .collect();
    page.table(&[0.1, 0.55, 0.15, 0.2], Some(&header), &rows, BODY);
    page.finish(&|_, _| Vec::new())
}

fn notes(l: &Labels, doc: &VolumeDoc, total: usize) -> Laid {
    let mut page = Layout::new();
    page.centered(&l.t("doc.volume.back_title"), FaceId::Heading, 18.0);
    page.space(10.0);
    let sep = l.t("doc.volume.list_separator");
    let present: Vec<String> = doc.documents.iter().map(|(title, _)| title.clone()).collect();
    let missing = if doc.missing.is_empty() { l.t("doc.volume.missing_none") } else { doc.missing.join(&sep) };
    let found = format!(
        "{}\n{}",
        l.with("doc.volume.present", &[("items", present.join(&sep))]),
        l.with("doc.volume.missing", &[("items", missing)])
    );
    let rows = vec![
        (l.t("doc.volume.total_pages"), contents(l, doc, total)),
        (l.t("doc.volume.system_check"), found),
        (l.t("doc.volume.filed_by"), doc.filed_by.clone()),
        (l.t("doc.volume.filer"), String::new()),
        (l.t("doc.volume.checked_by"), String::new()),
        (l.t("doc.volume.check_date"), String::new()),
    ];
    field_table(&mut page, &rows);
    page.space(8.0);
    page.paragraph(&l.t("doc.volume.paper"));
    page.paragraph(&l.t("doc.volume.back_note"));
    page.finish(&|_, _| Vec::new())
}

/// What the volume holds: its documents and pages, and the paper
/// materials filed with it.
fn contents(l: &Labels, doc: &VolumeDoc, total: usize) -> String {
    let counts = [("documents", doc.documents.len().to_string()), ("pages", total.to_string())];
    let mut text = l.with("doc.volume.contents", &counts);
    if !doc.paper.is_empty() {
        text.push_str(&l.with("doc.volume.contents_paper", &[("items", doc.paper.len().to_string())]));
    }
    text
}

/// The back cover: the volume's number, its pages and who filed it, at
/// the foot of the page.
fn back_cover(l: &Labels, doc: &VolumeDoc, total: usize) -> Laid {
    let mut page = Layout::new();
    page.space(PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 200.0);
    page.centered(&l.t("doc.volume.back_cover"), FaceId::Heading, 18.0);
    page.space(10.0);
    let rows = vec![
        (l.t("doc.volume.number"), doc.header.number.clone()),
        (l.t("doc.volume.total_pages"), contents(l, doc, total)),
        (l.t("doc.volume.filed_by"), doc.header.committee.clone()),
    ];
    field_table(&mut page, &rows);
    page.finish(&|_, _| Vec::new())
}

/// Lays out the whole volume.
pub fn lay_out(doc: &VolumeDoc) -> Laid {
    lay_out_with_starts(doc).0
}

/// Lays out the whole volume; also gives the index of each document's
/// first page.
fn lay_out_with_starts(doc: &VolumeDoc) -> (Laid, Vec<usize>) {
    let l = Labels { lang: doc.header.lang };
    let cover = cover(&l, doc);
    // The notes (备考表) and the back cover close the volume.
    let back_pages = 2;
    // The index's own length moves every page number after it; settle it.
    let mut index_pages = 1;
    let mut entries = Vec::new();
    for _ in 0..3 {
        let mut next = 1 + index_pages + 1;
        entries = Vec::new();
        for (i, (title, laid)) in doc.documents.iter().enumerate() {
            paper_entries(&l, doc, i, &mut entries);
            entries.push(IndexEntry { title: title.clone(), page: next, pages: laid.pages.len(), note: String::new() });
            next += laid.pages.len();
        }
        paper_entries(&l, doc, doc.documents.len(), &mut entries);
        for key in ["doc.volume.back_title", "doc.volume.back_cover"] {
            entries.push(IndexEntry { title: l.t(key), page: next, pages: 1, note: String::new() });
            next += 1;
        }
        let laid = index(&l, doc, &entries);
        if laid.pages.len() == index_pages {
            break;
        }
        index_pages = laid.pages.len();
    }
    let mut volume = Laid::default();
    volume.append(cover);
    volume.append(index(&l, doc, &entries));
    let mut starts = Vec::with_capacity(doc.documents.len());
    for (_, laid) in &doc.documents {
        starts.push(volume.pages.len());
        volume.append(laid.clone());
    }
    let total = volume.pages.len() + back_pages;
    volume.append(notes(&l, doc, total));
    volume.append(back_cover(&l, doc, total));
    // Every page but the front cover carries its number in the volume;
    // the back cover too, as the index lists it.
    for (i, page) in volume.pages.iter_mut().enumerate().skip(1) {
        page.items.push(small_right(
            &l.with("doc.volume.page_stamp", &[("page", (i + 1).to_string())]),
            PAGE_W - MARGIN_X,
            MARGIN_TOP - 28.0,
        ));
    }
    (volume, starts)
}

/// The index rows of the paper materials that stand before document `at`.
fn paper_entries(l: &Labels, doc: &VolumeDoc, at: usize, entries: &mut Vec<IndexEntry>) {
    for (_, title) in doc.paper.iter().filter(|(before, _)| *before == at) {
        entries.push(IndexEntry { title: title.clone(), page: 0, pages: 0, note: l.t("doc.volume.paper_note") });
    }
}

/// Renders the volume.
pub fn render(doc: &VolumeDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    let (laid, starts) = lay_out_with_starts(doc);
    let embeds: Vec<(usize, &[u8])> =
        doc.embedded.iter().filter_map(|(i, pdf)| Some((*starts.get(*i)?, pdf.as_slice()))).collect();
    let meta = Meta {
        title: format!("{} {}", l.t("doc.volume.title"), doc.header.number),
        subject: doc.header.committee.clone(),
        date: doc.header.record_time,
        id_seed: format!("volume|{}|{}", doc.header.number, doc.documents.len()),
    };
    Ok(Rendered { bytes: write_embedding(&laid, &meta, &embeds)?, pages: laid.pages.len() })
}
