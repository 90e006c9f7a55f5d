//! Every night, for every effective agreement with a monitor: each term of
//! the agreement is evaluated over the night with the pure rules of
//! `domain::night` and the finding stored — kept, possible breach (with
//! the minutes and levels as evidence) or no data. A mediator confirms a
//! possible breach into a follow-up record or dismisses it with a reason;
//! nothing moves a case by itself.

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::monitor_nights::{self, FindingRow, Watch};
use crate::db::users::User;
use crate::db::{Db, agreements, committees, monitor_readings};
use crate::domain::clock::{format_instant, local};
use crate::domain::commands::follow_up::{FollowUpFields, ObservationFields};
use crate::domain::night::{Night, NightRules, evaluate_agreement};
use crate::time::Clock;

/// When, after a night ends at 06:00, it is evaluated: readings sent late
/// by a device have half an hour to arrive.
const SETTLE: TimeDelta = TimeDelta::minutes(30);

/// The last night that has ended (and settled) by `now` in a committee's
/// clock: a night is named by its evening date and ends at 06:00 the next
/// morning.
pub fn last_complete_night(now: NaiveDateTime, offset_minutes: i32) -> NaiveDate {
    let local_now = now + TimeDelta::minutes(i64::from(offset_minutes)) - SETTLE;
    let days_back = if local_now.time() >= NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default() { 1 } else { 2 };
    local_now.date() - TimeDelta::days(days_back)
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NightRun {
    /// Monitors checking an effective agreement.
    pub watches: usize,
    /// Nights evaluated now (the others were already).
    pub evaluated: usize,
    /// Findings stored.
    pub findings: usize,
    /// Of them, possible breaches.
    pub possible_breaches: usize,
}

/// Nights looked back on when none is named: a server stopped for a few
/// days evaluates the nights it missed.
const CATCH_UP_NIGHTS: i64 = 7;

/// The nights to evaluate for a watch: `night`, or the last complete
/// nights of its committee (a week of them, oldest first).
fn nights_for(watch: &Watch, night: Option<NaiveDate>, now: NaiveDateTime) -> Vec<NaiveDate> {
    match night {
        Some(night) => vec![night],
        None => {
            let last = last_complete_night(now, watch.offset_minutes);
            (0..CATCH_UP_NIGHTS).rev().map(|back| last - TimeDelta::days(back)).collect()
        }
    }
}

/// Evaluates, for every monitor checking an effective agreement, `night`
/// (when `None`, the last complete nights of its committee), each night
/// once.
pub async fn evaluate_nights(db: &Db, night: Option<NaiveDate>, now: NaiveDateTime) -> AppResult<NightRun> {
    let watches = db.run(|conn| Ok::<_, AppError>(monitor_nights::watches(conn)?)).await?;
    let mut run = NightRun { watches: watches.len(), ..NightRun::default() };
    for chunk in watches.chunks(WATCHES_A_TRANSACTION) {
        let chunk = chunk.to_vec();
        let done = db.run(move |conn| evaluate_chunk(conn, &chunk, night, now)).await?;
        run.add(done);
    }
    Ok(run)
}

/// Watches evaluated in one write transaction: each night's findings are
/// one savepoint of it, and a commit (a disk flush) serves many nights,
/// while writers of readings wait for no more than a chunk.
const WATCHES_A_TRANSACTION: usize = 100;

impl NightRun {
    fn add(&mut self, other: NightRun) {
        self.evaluated += other.evaluated;
        self.findings += other.findings;
        self.possible_breaches += other.possible_breaches;
    }
}

/// The nights of `watches`, in one write transaction.
fn evaluate_chunk(
    conn: &mut crate::db::DbConn,
    watches: &[Watch],
    night: Option<NaiveDate>,
    now: NaiveDateTime,
) -> AppResult<NightRun> {
    crate::db::write_transaction(conn, |conn| {
        let mut run = NightRun::default();
        for watch in watches {
            for date in nights_for(watch, night, now) {
                if let (Some(stored), breaches) = evaluate_one(conn, watch, date, now)? {
                    run.add(NightRun { watches: 0, evaluated: 1, findings: stored, possible_breaches: breaches });
                }
            }
        }
        Ok(run)
    })
}

/// [`evaluate_nights`] on one connection, for the command line.
pub fn evaluate_nights_on(
    conn: &mut crate::db::DbConn,
    night: Option<NaiveDate>,
    now: NaiveDateTime,
) -> AppResult<NightRun> {
    let watches = monitor_nights::watches(conn)?;
    let mut run = NightRun { watches: watches.len(), ..NightRun::default() };
    for chunk in watches.chunks(WATCHES_A_TRANSACTION) {
        run.add(evaluate_chunk(conn, chunk, night, now)?);
    }
    Ok(run)
}

/// One monitor's night: `None` when it was evaluated before.
fn evaluate_one(
    conn: &mut crate::db::DbConn,
    watch: &Watch,
    date: NaiveDate,
    now: NaiveDateTime,
) -> Result<(Option<usize>, usize), AppError> {
    // Nights before the agreement took effect are not held against it.
    if date < watch.effective_on || monitor_nights::evaluated(conn, watch.monitor.id, watch.agreement_id, date)? {
        return Ok((None, 0));
    }
    let terms: Vec<_> = agreements::terms(conn, watch.agreement_id)?.iter().map(|t| t.to_term()).collect();
    let offset = TimeDelta::minutes(i64::from(watch.offset_minutes));
    let start = date.and_hms_opt(6, 0, 0).unwrap_or_default() - offset;
    let readings = monitor_readings::between(conn, watch.monitor.id, start, start + TimeDelta::days(1))?;
    let spec = watch.monitor.spec();
    let night = Night { date, offset_minutes: watch.offset_minutes, monitor: &spec, readings: &readings };
    let findings = evaluate_agreement(&terms, &night, &NightRules::default());
    let breaches = findings.iter().filter(|f| f.outcome.code() == "possible_breach").count();
    let stored = monitor_nights::store(conn, watch, date, &findings, now)?;
    Ok((Some(stored), breaches))
}

/// Minute past the hour of the hourly runs: a night ends at 06:00 and
/// settles half an hour later in any committee whose clock is a whole
/// number of hours from UTC.
const RUN_AT_MINUTE: u32 = 31;

/// How long from `now` to the next hourly run.
pub fn until_next_run(now: NaiveDateTime) -> Duration {
    let this_hour = now.date().and_hms_opt(chrono::Timelike::hour(&now), RUN_AT_MINUTE, 0).unwrap_or(now);
    let next = if this_hour > now { this_hour } else { this_hour + TimeDelta::hours(1) };
    (next - now).to_std().unwrap_or(Duration::from_secs(3600))
}

/// Evaluates the last complete nights `first_run` after start (catching up
/// on nights missed while the server was stopped), then at 31 minutes past
/// every hour; each run evaluates only nights not yet evaluated, then rolls
/// up the readings older than `keep_days` days into hourly rows and packs
/// the readings of the hours closed since. Without
/// `first_run` it never evaluates nor rolls up (both are left to `hesheng
/// monitor evaluate` and `hesheng monitor roll-up`, say from cron) and
/// never returns.
pub async fn run_nightly(db: Db, clock: Clock, first_run: Option<Duration>, keep_days: u32) {
    let Some(first_run) = first_run else { return std::future::pending().await };
    tokio::time::sleep(first_run).await;
    loop {
        match evaluate_nights(&db, None, clock.now()).await {
            Ok(run) if run.evaluated > 0 => tracing::info!(
                nights = run.evaluated,
                findings = run.findings,
                possible_breaches = run.possible_breaches,
                "monitored nights evaluated"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "monitored nights not evaluated"),
        }
        match crate::app::monitor_readings::roll_up(&db, keep_days, clock.now()).await {
            Ok(done) if done.hours > 0 => {
                tracing::info!(hours = done.hours, readings = done.readings, "monitor readings rolled up");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "monitor readings not rolled up"),
        }
        match crate::app::monitor_readings::pack(&db, clock.now()).await {
            Ok(done) if done.packs > 0 => {
                tracing::info!(packs = done.packs, readings = done.readings, "closed hours of monitor readings packed");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "monitor readings not packed"),
        }
        tokio::time::sleep(until_next_run(clock.now())).await;
    }
}

/// A night's finding for one term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NightFindingView {
    /// Id.
    pub id: i64,
    /// The monitor.
    pub monitor_id: i64,
    /// The evening date (YYYY-MM-DD).
    pub night: String,
    /// The term's index in the agreement, from 0.
    pub term_index: i32,
    /// kept, possible_breach or no_data.
    pub outcome: String,
    /// certified (can support a breach finding) or indicative.
    pub basis: String,
    /// The numbers: background, threshold and the intervals above it after
    /// the end (time windows); energetic mean, limit and loudest interval
    /// (volume terms); expected and covered seconds (no data).
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// confirmed or dismissed, once a mediator reviewed it.
    pub review: Option<String>,
    /// Why it was dismissed.
    pub review_reason: Option<String>,
    /// The follow-up record a confirmation made.
    pub follow_up_id: Option<i64>,
}

impl From<FindingRow> for NightFindingView {
    fn from(r: FindingRow) -> Self {
        Self {
            id: r.id,
            monitor_id: r.monitor_id,
            night: r.night.to_string(),
            term_index: r.term_index,
            outcome: r.outcome,
            basis: r.basis,
            evidence: serde_json::from_str(&r.evidence).unwrap_or(serde_json::Value::Null),
            review: r.review,
            review_reason: r.review_reason,
            follow_up_id: r.follow_up_id,
        }
    }
}

/// One night of the strip: its worst outcome over the terms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NightDayView {
    /// The evening date.
    pub night: String,
    /// possible_breach if any term shows one, else no_data if any term
    /// lacks data, else kept; not_evaluated for a night with no finding.
    pub outcome: String,
    /// The night's findings, by term.
    pub findings: Vec<NightFindingView>,
}

fn worst(findings: &[NightFindingView]) -> &'static str {
    let has = |o: &str| findings.iter().any(|f| f.outcome == o);
    if has("possible_breach") {
        "possible_breach"
    } else if has("no_data") {
        "no_data"
    } else if findings.is_empty() {
        "not_evaluated"
    } else {
        "kept"
    }
}

/// The last `days` nights of an agreement of the committee, newest
/// first, ending with the committee's last complete night at `now`.
pub async fn agreement_nights(
    db: &Db,
    committee_id: i64,
    agreement_id: i64,
    days: u32,
    now: NaiveDateTime,
) -> AppResult<Vec<NightDayView>> {
    db.run(move |conn| {
        agreements::find(conn, committee_id, agreement_id)?;
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let last = last_complete_night(now, offset);
        let first = last - TimeDelta::days(i64::from(days.max(1)) - 1);
        let rows = monitor_nights::of_agreement(conn, committee_id, agreement_id, first, last)?;
        let mut views: Vec<NightFindingView> = rows.into_iter().map(NightFindingView::from).collect();
        let mut strip = Vec::new();
        let mut night = last;
        while night >= first {
            let code = night.to_string();
            let findings: Vec<NightFindingView> = views.extract_if(.., |v| v.night == code).collect();
            strip.push(NightDayView { night: code, outcome: worst(&findings).to_owned(), findings });
            night -= TimeDelta::days(1);
        }
        Ok::<_, AppError>(strip)
    })
    .await
}

/// The strip of one monitor's last nights on an agreement of a case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseNights {
    /// The monitor.
    pub monitor_id: i64,
    /// The committee's clock offset, minutes east of UTC.
    pub offset_minutes: i32,
    /// The monitor's place.
    pub place: String,
    /// The agreement it checks.
    pub agreement_id: i64,
    /// The nights, oldest first (as a strip reads).
    pub days: Vec<NightDayView>,
}

impl CaseNights {
    /// How many of the nights had `outcome`.
    pub fn count(&self, outcome: &str) -> usize {
        self.days.iter().filter(|d| d.outcome == outcome).count()
    }
}

/// For each monitor of a case of the committee that checks an agreement:
/// its last `days` nights, ending with the committee's last complete night
/// at `now`. The caller has checked that the case is the reader's to see.
pub async fn case_nights(
    db: &Db,
    committee_id: i64,
    case_id: i64,
    days: u32,
    now: NaiveDateTime,
) -> AppResult<Vec<CaseNights>> {
    let (monitors, offset_minutes) = db
        .run(move |conn| {
            let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
            Ok::<_, AppError>((crate::db::monitors::of_case(conn, committee_id, case_id)?, offset))
        })
        .await?;
    let mut strips = Vec::new();
    for m in monitors {
        let Some(agreement_id) = m.agreement_id else { continue };
        let mut nights = agreement_nights(db, committee_id, agreement_id, days, now).await?;
        for night in &mut nights {
            night.findings.retain(|f| f.monitor_id == m.id);
            night.outcome = worst(&night.findings).to_owned();
        }
        nights.reverse();
        strips.push(CaseNights { monitor_id: m.id, offset_minutes, place: m.place, agreement_id, days: nights });
    }
    Ok(strips)
}

/// A finding of the committee.
pub async fn finding(db: &Db, committee_id: i64, id: i64) -> AppResult<NightFindingView> {
    db.run(move |conn| Ok::<_, AppError>(NightFindingView::from(monitor_nights::find(conn, committee_id, id)?))).await
}

/// Dismisses a possible breach, giving the reason.
pub async fn dismiss_finding(db: &Db, user: &User, id: i64, reason: String) -> AppResult<NightFindingView> {
    let reason = crate::domain::required_text(&reason, 2000).map_err(|e| AppError::field("reason", e))?;
    let user = user.clone();
    db.run(move |conn| {
        let row = monitor_nights::dismiss(conn, &user.actor(), user.committee_id, id, &reason, Utc::now().naive_utc())?;
        Ok::<_, AppError>(NightFindingView::from(row))
    })
    .await
}

/// Confirms a possible breach found by a certified monitor into a
/// follow-up record of method `night_check`, its observation taken from
/// the evidence: the time the activity was last heard after the agreed
/// end, or the night's energetic mean.
pub async fn confirm_finding(db: &Db, user: &User, id: i64) -> AppResult<NightFindingView> {
    let user = user.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        let row = monitor_nights::find(conn, committee.id, id)?;
        let fields = follow_up_fields(&row, committee.utc_offset_minutes);
        let new = fields.parse(&user.display_name)?;
        let now = Utc::now().naive_utc();
        let (row, _) = monitor_nights::confirm(conn, &user.actor(), &committee, id, &new, now)?;
        Ok::<_, AppError>(NightFindingView::from(row))
    })
    .await
}

fn follow_up_fields(row: &FindingRow, offset: i32) -> FollowUpFields {
    let evidence: serde_json::Value = serde_json::from_str(&row.evidence).unwrap_or_default();
    let last_heard = evidence["after_end"].as_array().and_then(|a| a.last()).and_then(|e| {
        let at = NaiveDateTime::parse_from_str(e["at"].as_str()?, "%Y-%m-%dT%H:%M:%S").ok()?;
        Some(local(at + TimeDelta::seconds(e["seconds"].as_i64()?), offset).format("%H:%M").to_string())
    });
    let mean = evidence["mean_db"].as_f64();
    let observation = ObservationFields {
        term_index: usize::try_from(row.term_index).ok(),
        observed_end: last_heard.clone(),
        measured_db: mean,
        indicative: false,
        // An early start has no end time to compare: reported as breached.
        result: (last_heard.is_none() && mean.is_none()).then(|| "breached".to_owned()),
        note: None,
    };
    FollowUpFields {
        visited_at: format_instant(Utc::now().naive_utc(), offset),
        method: "night_check".into(),
        observations: vec![observation],
        notes: Some(format!("monitor {} · night {}", row.monitor_id, row.night)),
        ..FollowUpFields::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect(s)
    }

    #[test]
    fn the_hourly_runs_fall_at_31_minutes_past_the_hour() {
        assert_eq!(until_next_run(at("2026-06-01 22:00")), Duration::from_secs(31 * 60));
        assert_eq!(until_next_run(at("2026-06-01 22:31")), Duration::from_secs(3600));
        assert_eq!(until_next_run(at("2026-06-01 23:45")), Duration::from_secs(46 * 60), "across midnight");
    }

    #[test]
    fn a_night_is_evaluated_once_it_has_ended_at_six_and_settled() {
        // 06:29 in Beijing on 2 June: the night of 1 June has not settled.
        assert_eq!(last_complete_night(at("2026-06-01 22:29"), 480), NaiveDate::from_ymd_opt(2026, 5, 31).expect("d"));
        assert_eq!(last_complete_night(at("2026-06-01 22:30"), 480), NaiveDate::from_ymd_opt(2026, 6, 1).expect("d"));
    }
}
