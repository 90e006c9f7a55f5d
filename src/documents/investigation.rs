//! 人民调解调查记录 — one record per on-site investigation, with the noise
//! measurements taken and whether each meets the measurement rules.

use super::fonts::FaceId;
use super::forms::{field_table, finish, named_signatures, title_block, write_form};
use super::layout::{BODY, Closing, Laid, Layout, SMALL, SignatureLine};
use super::model::{InvestigationsDoc, MeasurementRow};
use super::pdf::PdfError;
use super::{BLANK, Labels, Rendered};

/// Lays out every investigation record of the case.
pub fn lay_out(doc: &InvestigationsDoc) -> Laid {
    if doc.records.len() > 1 {
        return super::forms::each_record(&doc.one_by_one(), lay_out);
    }
    let l = Labels { lang: doc.header.lang };
    let mut page = Layout::new();
    if doc.records.is_empty() {
        title_block(&mut page, &l, "doc.investigation.title", &doc.header.number);
        page.paragraph(&l.t("doc.investigation.none"));
    }
    for (i, r) in doc.records.iter().enumerate() {
        if i > 0 {
            page.new_page();
        }
        title_block(&mut page, &l, "doc.investigation.title", &doc.header.number);
        let mut rows = vec![
            (l.t("doc.investigation.matter"), doc.matter.clone()),
            (l.t("doc.investigation.time"), r.time.clone()),
            (l.t("doc.investigation.place"), r.place.clone()),
            (l.t("doc.investigation.investigators"), r.investigators.clone()),
        ];
        if let Some(s) = &r.subject {
            rows.push((l.t("doc.investigation.subject"), s.clone()));
        }
        if let Some(p) = &r.participants {
            rows.push((l.t("doc.investigation.participants"), p.clone()));
        }
        // The recorder is always named; one not recorded is written in.
        rows.push((l.t("doc.investigation.recorder"), r.recorder.clone().unwrap_or_else(|| BLANK.to_owned())));
        field_table(&mut page, &rows);
        page.heading(&l.t("doc.investigation.record"));
        for (q, a) in &r.record {
            page.labelled(&l.t("doc.investigation.q"), q);
            page.labelled(&l.t("doc.investigation.a"), a);
        }
        if let Some(f) = &r.findings {
            page.heading(&l.t("doc.investigation.findings"));
            page.paragraph(f);
        }
        if !r.measurements.is_empty() {
            page.heading(&l.t("doc.investigation.measurements"));
            let header: Vec<String> =
                ["time", "position", "laeq", "background", "corrected", "limit", "exceeds", "validity"]
                    .iter()
                    .map(|k| l.t(&format!("doc.measurement.{k}")))
                    .collect();
            let rows: Vec<Vec<String>> = r
                .measurements
                .iter()
                .map(|m| {
                    let validity = if m.validity.is_empty() {
                        l.t("doc.measurement.valid")
                    } else {
                        m.validity.iter().map(|v| l.t(&format!("measurement_rule.{v}"))).collect::<Vec<_>>().join("；")
                    };
                    vec![
                        m.time.clone(),
                        l.t(&format!("position.{}", m.position)),
                        m.laeq.clone(),
                        m.background.clone(),
                        m.corrected.clone(),
                        m.limit.clone(),
                        m.exceeds.clone(),
                        validity,
                    ]
                })
                .collect();
            caption(&mut page, &l.t("doc.measurement.results_caption"));
            page.table(&[0.1, 0.23, 0.11, 0.1, 0.1, 0.12, 0.1, 0.14], Some(&header), &rows, SMALL);
            page.space(6.0);
            caption(&mut page, &l.t("doc.measurement.conditions_caption"));
            conditions(&mut page, &l, &r.measurements);
        }
        let mut lines: Vec<SignatureLine> = named_signatures(&l, "subject", r.subject.as_deref().unwrap_or_default());
        lines.extend(named_signatures(&l, "investigator", &r.investigators));
        lines.extend(named_signatures(&l, "recorder", r.recorder.as_deref().unwrap_or_default()));
        // The date line goes with the signatures, and the measurements'
        // note (units, limits, validity) with them and the tables' last rows.
        if r.measurements.is_empty() {
            page.space(8.0);
            page.signatures(&lines, BODY * 3.0);
        } else {
            let note = l.t("doc.measurement.standard");
            page.closing_signatures(&Closing { text: &note, size: SMALL, before: 0.0, after: 8.0 }, &lines, BODY * 3.0);
        }
        page.space(BODY * 0.6);
        page.right(&r.date.map_or_else(|| l.t("doc.blank_date"), |d| l.date(d)), FaceId::Body, BODY);
    }
    finish(page, &l, &doc.header.number)
}

/// A table's caption, kept on the page of the table's header and first row.
fn caption(page: &mut Layout, text: &str) {
    page.ensure(SMALL * 12.0);
    page.paragraph_with(text, FaceId::Heading, SMALL + 1.0, 0.0, 0.0);
}

/// How each measurement was taken, as GB 3096 asks it be recorded: the
/// meter (model and serial, class), its calibration before and after, the
/// microphone's height, the duration and the maximum level. What was not
/// recorded is left blank to be filled in, never guessed.
fn conditions(page: &mut Layout, l: &Labels, measurements: &[MeasurementRow]) {
    let header: Vec<String> =
        ["time", "instrument", "class", "cal_before", "cal_after", "height", "duration", "lmax", "operator"]
            .iter()
            .map(|k| l.t(&format!("doc.measurement.{k}")))
            .collect();
    let or_blank = |v: &Option<String>| v.clone().unwrap_or_else(|| BLANK.to_owned());
    let rows: Vec<Vec<String>> = measurements
        .iter()
        .map(|m| {
            let duration = if m.duration_s % 60 == 0 {
                l.with("doc.measurement.minutes", &[("n", (m.duration_s / 60).to_string())])
            } else {
                l.with("doc.measurement.seconds", &[("n", m.duration_s.to_string())])
            };
            vec![
                m.time.clone(),
                or_blank(&m.instrument),
                m.class
                    .map_or_else(|| BLANK.to_owned(), |c| l.with("doc.measurement.class_n", &[("n", c.to_string())])),
                or_blank(&m.calibration_before),
                or_blank(&m.calibration_after),
                m.height
                    .as_ref()
                    .map_or_else(|| BLANK.to_owned(), |h| l.with("doc.measurement.metres", &[("n", h.clone())])),
                duration,
                or_blank(&m.lmax),
                or_blank(&m.operator),
            ]
        })
        .collect();
    page.table(&[0.09, 0.24, 0.06, 0.1, 0.1, 0.09, 0.1, 0.09, 0.13], Some(&header), &rows, SMALL);
}

/// Renders the investigation records.
pub fn render(doc: &InvestigationsDoc) -> Result<Rendered, PdfError> {
    let l = Labels { lang: doc.header.lang };
    write_form(
        &lay_out(doc),
        &doc.header,
        &l.t("doc.investigation.title"),
        format!("investigation|{}|{}", doc.header.number, doc.records.len()),
    )
}
