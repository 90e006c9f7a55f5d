//! 人民调解工作统计 — the committee's report for a period: tables of the
//! figures, each section a table (the charts are on the web page).

use super::forms::{finish, title_block, write_form};
use super::layout::{BODY, Laid, Layout};
use super::model::Header;
use super::pdf::PdfError;
use super::{Labels, Rendered};

/// One table of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Relative column widths (sum 1).
    pub widths: Vec<f32>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

/// The report as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDoc {
    /// Committee, period (as the number line) and time of the figures.
    pub header: Header,
    /// Its tables.
    pub sections: Vec<Section>,
    /// Notes on how the figures are counted.
    pub notes: Vec<String>,
}

/// Lays out the report.
pub fn lay_out(doc: &ReportDoc) -> Laid {
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    title_block(&mut page, &l, "doc.report.title", &doc.header.number);
    page.paragraph(&doc.header.committee);
    for s in &doc.sections {
        page.heading(&s.title);
        page.table(&s.widths, Some(&s.columns), &s.rows, BODY - 1.0);
        page.space(6.0);
    }
    for n in &doc.notes {
        page.paragraph(n);
    }
    finish(page, &l, &doc.header.number)
}

/// Renders the report.
pub fn render(doc: &ReportDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(
        &lay_out(doc),
        &doc.header,
        &l.t("doc.report.title"),
        format!("report|{}|{}", doc.header.committee, doc.header.number),
    )
}
