//! What a mediator reviews: the possible breaches waiting on the
//! committee, and one night at a monitor — its level curve with the
//! agreed window and limit, and each term's finding with its numbers.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::Serialize;

use crate::app::error::{AppError, AppResult};
use crate::app::monitor_nights::NightFindingView;
use crate::db::{Db, agreements, committees, monitor_nights, monitor_readings, monitors};
use crate::domain::agreement::TermKind;
use crate::domain::clock::{ClockTime, local};
use crate::domain::night::curve::{LevelStep, steps};

/// The numbers of a finding a person reads: how long the activity went on
/// past the agreed end, and how loud, against what.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvidenceSummary {
    /// Minutes above the threshold after the agreed end (time windows).
    pub minutes_over: Option<f64>,
    /// The local time the activity was last heard after the end, `HH:MM`.
    pub last_heard: Option<String>,
    /// The place's background, dB(A).
    pub background_db: Option<f64>,
    /// Background plus margin, dB(A).
    pub threshold_db: Option<f64>,
    /// The energetic mean over the window (volume terms), dB(A).
    pub mean_db: Option<f64>,
    /// The agreed limit, dB(A).
    pub limit_db: Option<f64>,
    /// The loudest level heard: the loudest interval's L_AFmax, or its
    /// L_Aeq, or the loudest interval past the end.
    pub loudest_db: Option<f64>,
    /// Share of the needed time with readings, percent (no data).
    pub covered_percent: Option<f64>,
}

impl EvidenceSummary {
    /// Reads a finding's stored evidence; `offset` is the committee's
    /// clock offset, for the time last heard.
    pub fn of(evidence: &serde_json::Value, offset: i32) -> Self {
        let after_end = evidence["after_end"].as_array();
        let seconds: Option<i64> = after_end.map(|a| a.iter().filter_map(|e| e["seconds"].as_i64()).sum());
        let last_heard = after_end.and_then(|a| a.last()).and_then(|e| {
            let at = NaiveDateTime::parse_from_str(e["at"].as_str()?, "%Y-%m-%dT%H:%M:%S").ok()?;
            Some(local(at + TimeDelta::seconds(e["seconds"].as_i64()?), offset).format("%H:%M").to_string())
        });
        let loudest_after = after_end.and_then(|a| a.iter().filter_map(|e| e["laeq_db"].as_f64()).reduce(f64::max));
        let loudest = &evidence["loudest"];
        let covered = match (evidence["covered_s"].as_f64(), evidence["expected_s"].as_f64()) {
            (Some(c), Some(e)) if e > 0.0 => Some((c / e * 1000.0).round() / 10.0),
            _ => None,
        };
        Self {
            // Seconds to minutes, to a tenth.
            minutes_over: seconds.map(|s| (s as f64 / 6.0).round() / 10.0),
            last_heard,
            background_db: evidence["background_db"].as_f64(),
            threshold_db: evidence["threshold_db"].as_f64(),
            mean_db: evidence["mean_db"].as_f64(),
            limit_db: evidence["limit_db"].as_f64(),
            loudest_db: loudest["lafmax_db"].as_f64().or(loudest["laeq_db"].as_f64()).or(loudest_after),
            covered_percent: covered,
        }
    }
}

/// A possible breach waiting for a mediator.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    /// The finding.
    pub finding: NightFindingView,
    /// Its numbers.
    pub summary: EvidenceSummary,
    /// The case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
}

/// The committee's possible breaches not yet reviewed (newest night first,
/// at most `limit`), and how many wait in all.
pub async fn findings_to_review(db: &Db, committee_id: i64, limit: i64) -> AppResult<(Vec<ReviewItem>, i64)> {
    db.run(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let (rows, total) = monitor_nights::to_review(conn, committee_id, limit)?;
        let items = rows
            .into_iter()
            .map(|r| {
                let finding = NightFindingView::from(r.finding);
                let summary = EvidenceSummary::of(&finding.evidence, offset);
                ReviewItem { finding, summary, case_id: r.case_id, number: r.number, title: r.title }
            })
            .collect();
        Ok::<_, AppError>((items, total))
    })
    .await
}

/// A finding on the night page: the finding, its numbers and the term it
/// judged.
#[derive(Debug, Clone, Serialize)]
pub struct NightTermView {
    /// The finding.
    pub finding: NightFindingView,
    /// Its numbers.
    pub summary: EvidenceSummary,
    /// The term's text, as agreed.
    pub term_text: String,
}

/// One step of the curve, in the committee's clock.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    /// Local start `HH:MM`.
    pub time: String,
    /// Minutes from the start of the curve.
    pub minute: i64,
    /// The step's levels.
    pub step: LevelStep,
}

/// One night at one monitor, as the night page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NightDetail {
    /// The monitor.
    pub monitor_id: i64,
    /// Where it stands.
    pub place: String,
    /// Its serial number.
    pub serial: String,
    /// Its meter class code.
    pub instrument_class: String,
    /// `certified` or `indicative` that night.
    pub basis: String,
    /// The case it watches.
    pub case_id: Option<i64>,
    /// The agreement whose terms are drawn.
    pub agreement_id: Option<i64>,
    /// The evening date.
    pub night: NaiveDate,
    /// Minutes the curve spans.
    pub span_minutes: i64,
    /// Local time the curve starts, `HH:MM`.
    pub starts: String,
    /// The agreed window, in minutes from the curve's start, with its
    /// clock times.
    pub window: Option<(i64, i64, ClockTime, ClockTime)>,
    /// The agreed limit, dB(A).
    pub limit_db: Option<f64>,
    /// The level above which the activity counts, dB(A).
    pub threshold_db: Option<f64>,
    /// The curve, in steps of five minutes, or of an hour when some of
    /// the night's readings were rolled up into hours.
    pub points: Vec<CurvePoint>,
    /// Whether some of the night's readings survive only as hourly rows.
    pub hourly: bool,
    /// Each term's finding that night.
    pub terms: Vec<NightTermView>,
}

/// Step of the curve and of its table.
const STEP_MINUTES: i64 = 5;

/// One night at a monitor of the committee: its curve from an hour before
/// the agreed start (18:00 at the latest) to 06:00, the agreed window and
/// limit, and the findings.
pub async fn night_detail(db: &Db, committee_id: i64, monitor_id: i64, night: NaiveDate) -> AppResult<NightDetail> {
    db.run(move |conn| {
        let monitor = monitors::find_any(conn, monitor_id)?.filter(|m| m.committee_id == committee_id);
        let monitor = monitor.ok_or(AppError::NotFound)?;
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let findings = monitor_nights::of_monitor_night(conn, committee_id, monitor_id, night)?;
        let agreement_id = findings.first().map(|f| f.agreement_id).or(monitor.agreement_id);
        let terms: Vec<_> = match agreement_id {
            Some(id) => agreements::terms(conn, id)?.iter().map(|t| t.to_term()).collect(),
            None => Vec::new(),
        };
        let window = terms.iter().find(|t| t.kind == TermKind::TimeWindow).and_then(|t| Some((t.start?, t.end?)));
        let limit_db = terms.iter().find(|t| t.kind == TermKind::VolumeLimit).and_then(|t| t.max_db);
        // Minutes after the night's 06:00 of a clock time: before 06:00 is after midnight.
        let since_six = |c: ClockTime| (i64::from(c.minutes()) - 360).rem_euclid(1440);
        let first_minute = window.map_or(12 * 60, |(start, _)| ((since_six(start) - 60).max(0) / 60 * 60).min(12 * 60));
        let six = night.and_hms_opt(6, 0, 0).unwrap_or_default();
        let from_local = six + TimeDelta::minutes(first_minute);
        let to_local = six + TimeDelta::days(1);
        let utc = |t: NaiveDateTime| t - TimeDelta::minutes(i64::from(offset));
        let readings = monitor_readings::between(conn, monitor_id, utc(from_local), utc(to_local))?;
        let (from_s, to_s) = (utc(from_local).and_utc().timestamp(), utc(to_local).and_utc().timestamp());
        let hourly = !monitor_readings::hourly_between(conn, monitor_id, from_s - 3599, to_s)?.is_empty();
        let step = TimeDelta::minutes(if hourly { 60 } else { STEP_MINUTES });
        let points = steps(&readings, utc(from_local), utc(to_local), step)
            .into_iter()
            .map(|step| {
                let minute = (step.at - utc(from_local)).num_minutes();
                CurvePoint { time: local(step.at, offset).format("%H:%M").to_string(), minute, step }
            })
            .collect();
        let terms_views: Vec<NightTermView> = findings
            .into_iter()
            .map(|row| {
                let term_text = usize::try_from(row.term_index).ok().and_then(|i| terms.get(i)).map(|t| t.text.clone());
                let finding = NightFindingView::from(row);
                let summary = EvidenceSummary::of(&finding.evidence, offset);
                NightTermView { finding, summary, term_text: term_text.unwrap_or_default() }
            })
            .collect();
        let threshold_db = terms_views.iter().find_map(|t| t.summary.threshold_db);
        let spec = monitor.spec();
        Ok::<_, AppError>(NightDetail {
            monitor_id,
            place: monitor.place.clone(),
            serial: monitor.serial.clone(),
            instrument_class: monitor.instrument_class.get().code().to_owned(),
            basis: spec.basis(night).code().to_owned(),
            case_id: monitor.case_id,
            agreement_id,
            night,
            span_minutes: (to_local - from_local).num_minutes(),
            starts: from_local.format("%H:%M").to_string(),
            window: window.map(|(s, e)| (since_six(s) - first_minute, since_six(e) - first_minute, s, e)),
            limit_db,
            threshold_db,
            points,
            hourly,
            terms: terms_views,
        })
    })
    .await
}

impl EvidenceSummary {
    /// The numbers in a sentence or two of the reader's language.
    pub fn words(&self, lang: impl std::borrow::Borrow<crate::domain::language::Lang>) -> String {
        use crate::i18n::t_with;
        let lang = *lang.borrow();
        let db = |v: f64| format!("{v:.1}");
        let mut out = Vec::new();
        if let (Some(minutes), Some(threshold)) = (self.minutes_over, self.threshold_db) {
            let mut args = vec![("minutes", format!("{minutes}")), ("threshold", db(threshold))];
            args.push(("background", self.background_db.map(db).unwrap_or_default()));
            match &self.last_heard {
                Some(last) if minutes > 0.0 => {
                    args.push(("last", last.clone()));
                    out.push(t_with(lang, "monitor.evidence.after_end_until", &args));
                }
                _ => out.push(t_with(lang, "monitor.evidence.after_end", &args)),
            }
        }
        if let (Some(mean), Some(limit)) = (self.mean_db, self.limit_db) {
            out.push(t_with(lang, "monitor.evidence.mean", &[("mean", db(mean)), ("limit", db(limit))]));
        }
        if let Some(loudest) = self.loudest_db {
            out.push(t_with(lang, "monitor.evidence.loudest", &[("loudest", db(loudest))]));
        }
        if let Some(percent) = self.covered_percent {
            out.push(t_with(lang, "monitor.evidence.coverage", &[("percent", format!("{percent}"))]));
        }
        out.join(" ")
    }
}

impl NightFindingView {
    /// Its numbers, read in the committee's clock (`offset` minutes east of UTC).
    pub fn summary(&self, offset: impl std::borrow::Borrow<i32>) -> EvidenceSummary {
        EvidenceSummary::of(&self.evidence, *offset.borrow())
    }

    /// Whether a mediator is still to confirm or dismiss it.
    pub fn awaits_review(&self) -> bool {
        self.outcome == "possible_breach" && self.review.is_none()
    }
}

/// For a follow-up record confirmed from a monitored night: the monitor's
/// evidence in words, for the record's notes in print — the instrument,
/// its class and calibration, and the night's minutes and levels —
/// followed by the notes as recorded. Any other follow-up keeps its notes.
pub fn follow_up_notes(
    conn: &mut crate::db::DbConn,
    follow_up_id: i64,
    notes: Option<String>,
    offset: i32,
    lang: crate::domain::language::Lang,
) -> diesel::QueryResult<Option<String>> {
    use crate::i18n::{t, t_with};
    let Some(finding) = monitor_nights::of_follow_up(conn, follow_up_id)? else { return Ok(notes) };
    let Some(monitor) = monitors::find_any(conn, finding.monitor_id)? else { return Ok(notes) };
    let none = || t(lang, "monitor.page.calibration_none");
    let instrument = t_with(
        lang,
        "monitor.evidence.instrument",
        &[
            ("place", monitor.place.clone()),
            ("mn", monitor.mn.clone()),
            ("class", t(lang, &format!("instrument_class.{}", monitor.instrument_class.get().code()))),
            ("serial", monitor.serial.clone()),
            ("calibrated", monitor.calibrated_on.map_or_else(none, |d| d.to_string())),
            ("valid", monitor.calibration_valid_until.map_or_else(none, |d| d.to_string())),
            ("night", finding.night.to_string()),
        ],
    );
    let evidence = serde_json::from_str(&finding.evidence).unwrap_or_default();
    let words = EvidenceSummary::of(&evidence, offset).words(lang);
    // The notes stored with a confirmation name the finding; the words replace them.
    let own = notes.filter(|n| !n.starts_with("monitor "));
    Ok(Some([Some(format!("{instrument} {words}")), own].into_iter().flatten().collect::<Vec<_>>().join("\n")))
}

/// Term-nights by outcome, and how the possible breaches were reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NightCounts {
    /// Kept.
    pub kept: i64,
    /// Possible breaches.
    pub possible_breach: i64,
    /// Without enough readings.
    pub no_data: i64,
    /// Possible breaches a mediator confirmed.
    pub confirmed: i64,
    /// Possible breaches a mediator dismissed.
    pub dismissed: i64,
}

impl NightCounts {
    fn outcome(&mut self, outcome: &str, n: i64) {
        match outcome {
            "kept" => self.kept += n,
            "possible_breach" => self.possible_breach += n,
            _ => self.no_data += n,
        }
    }

    fn review(&mut self, review: Option<&str>, n: i64) {
        match review {
            Some("confirmed") => self.confirmed += n,
            Some("dismissed") => self.dismissed += n,
            _ => {}
        }
    }

    /// All term-nights counted.
    pub fn evaluated(&self) -> i64 {
        self.kept + self.possible_breach + self.no_data
    }

    /// Kept, as a percentage of the nights with data, to a whole percent.
    pub fn kept_percent(&self) -> Option<i64> {
        let with_data = self.kept + self.possible_breach;
        (with_data > 0).then(|| (self.kept * 100 + with_data / 2) / with_data)
    }
}

/// What monitors found over a report's period: by agreement, each night
/// counted once with its worst outcome over the terms (and the reviews of
/// its terms' possible breaches); by kind of term, each term's night.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NightReport {
    /// By agreement: (agreement id, case number, counts), by case number.
    pub by_agreement: Vec<(i64, String, NightCounts)>,
    /// By kind of term: (kind code, counts).
    pub by_term_kind: Vec<(String, NightCounts)>,
}

/// The committee's monitored nights from `from` to `to` (evening dates).
pub async fn night_report(db: &Db, committee_id: i64, from: NaiveDate, to: NaiveDate) -> AppResult<NightReport> {
    let (rows, nights) = db
        .run(move |conn| {
            let rows = monitor_nights::counts(conn, committee_id, from, to)?;
            Ok::<_, AppError>((rows, monitor_nights::night_outcomes(conn, committee_id, from, to)?))
        })
        .await?;
    let mut by_agreement: std::collections::BTreeMap<(String, i64), NightCounts> = Default::default();
    let mut by_kind: std::collections::BTreeMap<String, NightCounts> = Default::default();
    for (agreement_id, number, kind, outcome, review, n) in rows {
        by_agreement.entry((number, agreement_id)).or_default().review(review.as_deref(), n);
        let of_kind = by_kind.entry(kind).or_default();
        of_kind.outcome(&outcome, n);
        of_kind.review(review.as_deref(), n);
    }
    for ((_, agreement_id), counts) in &mut by_agreement {
        for outcome in ["kept", "possible_breach", "no_data"] {
            counts.outcome(outcome, nights.get(&(*agreement_id, outcome.to_owned())).copied().unwrap_or(0));
        }
    }
    Ok(NightReport {
        by_agreement: by_agreement.into_iter().map(|((number, id), c)| (id, number, c)).collect(),
        by_term_kind: by_kind.into_iter().collect(),
    })
}
