//! The committee's report for a period, as JSON, CSV and PDF: one set of
//! figures (`db::reports`), three forms.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::{Value, json};

use crate::app::error::{AppError, AppResult};
use crate::db::committees::Committee;
use crate::db::reports::{self, Period, Summary};
use crate::db::users::User;
use crate::db::{Db, DbConn, committees};
use crate::documents::Rendered;
use crate::documents::model::Header;
use crate::documents::pdf::PdfError;
use crate::documents::report::{ReportDoc, Section};
use crate::domain::Invalid;
use crate::domain::account::is_root_admin;
use crate::domain::case::{CaseSource, DisputeType};
use crate::domain::clock::NightWindow;
use crate::domain::clock::{local_date, parse_date};
use crate::domain::complaint::Channel;
use crate::domain::fields::Fields;
use crate::domain::language::Lang;
use crate::i18n::t;
use chrono::Utc;

/// The period and committee a report is asked for: dates `YYYY-MM-DD`
/// (default: this month to today), another committee for the
/// installation's administrators.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    /// First day.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    /// Another committee.
    pub committee_id: Option<i64>,
}

/// Longest period a report covers, in days.
pub const MAX_DAYS: i64 = 3660;

/// Checks a report query for `user`: the period and the committees asked
/// for (`all` gives every committee to administrators of the installation).
pub async fn reports_for(db: &Db, user: &User, q: &ReportRequest, all: bool) -> AppResult<Vec<Report>> {
    let own = user.committee_id;
    let root = is_root_admin(user.role(), user.committee_id);
    let wanted = q.committee_id.unwrap_or(own);
    if wanted != own && !root {
        return Err(AppError::NotFound);
    }
    let (from, to) = (q.from.clone(), q.to.clone());
    db.run_on_replica(move |conn| {
        let committee = committees::find(conn, wanted)?;
        let today = local_date(Utc::now().naive_utc(), committee.utc_offset_minutes);
        let mut f = Fields::new();
        let from = match from.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => f.check("from", parse_date(raw)),
            None => Some(month_start(today)),
        };
        let to = match to.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => f.check("to", parse_date(raw)),
            None => Some(today),
        };
        if let (Some(a), Some(b)) = (from, to)
            && (b < a || (b - a).num_days() > MAX_DAYS)
        {
            f.push("to", Invalid::new("invalid.report_period").with("max", MAX_DAYS));
        }
        let (from, to) = f.done(from.zip(to))?;
        let list = if all && root { committees::list(conn)? } else { vec![committee] };
        let mut out = Vec::with_capacity(list.len());
        for c in &list {
            out.push(build(conn, c, from, to)?);
        }
        Ok::<_, AppError>(out)
    })
    .await
}

/// Most hotspots listed.
pub const HOTSPOTS: i64 = 10;

/// A committee's figures for a period.
#[derive(Debug, Clone)]
pub struct Report {
    /// Committee.
    pub committee_id: i64,
    /// Its name.
    pub committee_name: String,
    /// First day, local.
    pub from: NaiveDate,
    /// Last day, local (included).
    pub to: NaiveDate,
    /// The figures.
    pub summary: Summary,
    /// Complaints by weekday (0 = Sunday) and hour.
    pub by_weekday_hour: [[i64; 24]; 7],
    /// Places complained about most.
    pub hotspots: Vec<(String, i64)>,
    /// Valid measurements over the limit, by hour.
    pub exceedances_by_hour: [i64; 24],
    /// The committee's night window.
    pub night: NightWindow,
    /// The committee's offset from UTC in minutes.
    pub offset_minutes: i32,
}

/// Signals for review in committee `committee_id`'s report from `from` to
/// `to` (cases closed within a day, and the like): for administrators.
pub async fn signals_for(
    db: &Db,
    admin: &User,
    committee_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<reports::Signals> {
    if admin.role() != crate::domain::account::Role::Admin
        || (admin.committee_id != committee_id && !is_root_admin(admin.role(), admin.committee_id))
    {
        return Err(AppError::NotFound);
    }
    db.run_on_replica(move |conn| {
        let c = committees::find(conn, committee_id)?;
        Ok::<_, AppError>(reports::signals(conn, committee_id, &period(from, to, c.utc_offset_minutes))?)
    })
    .await
}

/// The UTC period of local days `from`–`to` (both included).
pub fn period(from: NaiveDate, to: NaiveDate, offset_minutes: i32) -> Period {
    let shift = TimeDelta::minutes(i64::from(offset_minutes));
    let start: NaiveDateTime = from.and_hms_opt(0, 0, 0).unwrap_or_default() - shift;
    let end: NaiveDateTime = (to + TimeDelta::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default() - shift;
    Period { from: start, until: end, offset_minutes }
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// Gathers a committee's figures from the daily roll-up.
pub fn build(conn: &mut DbConn, committee: &Committee, from: NaiveDate, to: NaiveDate) -> diesel::QueryResult<Report> {
    let p = period(from, to, committee.utc_offset_minutes);
    let figures = reports::figures(conn, committee.id, &p, HOTSPOTS)?;
    Ok(Report {
        committee_id: committee.id,
        committee_name: committee.name.clone(),
        from,
        to,
        summary: figures.summary,
        by_weekday_hour: figures.by_weekday_hour,
        hotspots: figures.hotspots,
        exceedances_by_hour: figures.exceedances_by_hour,
        night: committee.settings()?.night,
        offset_minutes: committee.utc_offset_minutes,
    })
}

fn counts_of(codes: &[&'static str], found: &[(String, i64)]) -> Vec<(&'static str, i64)> {
    codes.iter().map(|c| (*c, found.iter().find(|(k, _)| k == c).map_or(0, |(_, n)| *n))).collect()
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

impl Report {
    /// Cases by dispute type, every type of the taxonomy in its order.
    pub fn dispute_types(&self) -> Vec<(&'static str, i64)> {
        let codes: Vec<&'static str> = DisputeType::ALL.iter().map(|d| d.code()).collect();
        counts_of(&codes, &self.summary.by_dispute_type)
    }

    /// Cases by source.
    pub fn sources(&self) -> Vec<(&'static str, i64)> {
        let codes: Vec<&'static str> = CaseSource::ALL.iter().map(|s| s.code()).collect();
        counts_of(&codes, &self.summary.by_source)
    }

    /// Complaints by channel.
    pub fn channels(&self) -> Vec<(&'static str, i64)> {
        let codes: Vec<&'static str> = Channel::ALL.iter().map(|c| c.code()).collect();
        counts_of(&codes, &self.summary.by_channel)
    }

    /// Complaints by hour, all weekdays together.
    pub fn complaints_by_hour(&self) -> [i64; 24] {
        let mut hours = [0; 24];
        for day in &self.by_weekday_hour {
            for (h, n) in day.iter().enumerate() {
                hours[h] += n;
            }
        }
        hours
    }

    /// The amount involved in yuan.
    pub fn amount_yuan(&self) -> f64 {
        self.summary.amount_fen as f64 / 100.0
    }

    /// Whether a local hour lies in the night window.
    pub fn is_night(&self, hour: usize) -> bool {
        let start = usize::from(self.night.start.hour());
        let end = usize::from(self.night.end.hour());
        if start <= end { (start..end).contains(&hour) } else { hour >= start || hour < end }
    }

    /// The API's summary (CONTRACT's fields and a few more).
    pub fn json(&self) -> Value {
        let s = &self.summary;
        let map = |pairs: Vec<(&'static str, i64)>| {
            Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect())
        };
        json!({
            "committee_id": self.committee_id,
            "committee": self.committee_name,
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "accepted": s.accepted,
            "succeeded": s.succeeded,
            "success_rate": s.success_rate().map(|r| round(r, 4)),
            "by_dispute_type": map(self.dispute_types()),
            "by_source": map(self.sources()),
            "by_channel": map(self.channels()),
            "complaints": s.complaints,
            "amount_involved": round(self.amount_yuan(), 2),
            "median_days_to_agreement": s.median_days_to_agreement.map(|d| round(d, 1)),
            "follow_up_compliance_rate": s.compliance_rate().map(|r| round(r, 4)),
            "follow_ups_assessed": s.follow_ups_assessed,
            "breaches": s.breaches,
            "referrals": s.referrals,
            "prevented_criminal": s.prevented_criminal,
            "prevented_petition": s.prevented_petition,
            "complaints_by_hour": self.complaints_by_hour().to_vec(),
            "complaints_by_weekday_hour": self.by_weekday_hour.iter().map(|d| d.to_vec()).collect::<Vec<_>>(),
            "hotspots": self.hotspots.iter().map(|(place, n)| json!({"location": place, "complaints": n})).collect::<Vec<_>>(),
            "exceedances_by_hour": self.exceedances_by_hour.to_vec(),
        })
    }
}

/// A rate as a percentage, or a dash.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// The headline figures: message key and value, in order.
pub fn headline(r: &Report) -> Vec<(&'static str, String)> {
    let s = &r.summary;
    vec![
        ("report.accepted", s.accepted.to_string()),
        ("report.succeeded", s.succeeded.to_string()),
        ("report.success_rate", percent(s.success_rate())),
        ("report.complaints", s.complaints.to_string()),
        ("report.amount", format!("{:.2}", r.amount_yuan())),
        ("report.median_days", s.median_days_to_agreement.map_or_else(|| "—".to_owned(), |d| format!("{d:.1}"))),
        ("report.compliance_rate", percent(s.compliance_rate())),
        ("report.breaches", s.breaches.to_string()),
        ("report.referrals", s.referrals.to_string()),
        ("report.prevented_criminal", s.prevented_criminal.to_string()),
        ("report.prevented_petition", s.prevented_petition.to_string()),
    ]
}

fn csv_field(s: &str) -> String {
    // Quotes, and a leading formula character made inert for spreadsheets.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The reports as CSV — UTF-8 with a byte-order mark so spreadsheet
/// programs read the Chinese — one column of figures per committee.
pub fn csv(reports: &[Report], lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: Vec<String>| {
        out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    let Some(first) = reports.first() else { return out };
    let mut head = vec![t(lang, "report.csv.section"), t(lang, "report.csv.code"), t(lang, "report.csv.item")];
    head.extend(reports.iter().map(|r| r.committee_name.clone()));
    line(head);
    let mut period = vec![t(lang, "report.period"), "period".into(), t(lang, "report.period")];
    period.extend(reports.iter().map(|r| format!("{} – {}", r.from, r.to)));
    line(period);
    let all: Vec<Vec<(&'static str, String)>> = reports.iter().map(headline).collect();
    for (i, (key, _)) in all[0].iter().enumerate() {
        let mut row = vec![t(lang, "report.headline"), key.trim_start_matches("report.").to_owned(), t(lang, key)];
        row.extend(all.iter().map(|h| h[i].1.clone()));
        line(row);
    }
    let mut group = |section: &str, prefix: &str, of: &dyn Fn(&Report) -> Vec<(&'static str, i64)>| {
        for (i, (code, _)) in of(first).iter().enumerate() {
            let mut row = vec![t(lang, section), (*code).to_owned(), t(lang, &format!("{prefix}.{code}"))];
            row.extend(reports.iter().map(|r| of(r)[i].1.to_string()));
            line(row);
        }
    };
    group("report.by_dispute_type", "dispute_type", &Report::dispute_types);
    group("report.by_source", "source", &Report::sources);
    group("report.by_channel", "channel", &Report::channels);
    for h in 0..24 {
        let mut row = vec![t(lang, "report.by_hour"), format!("{h:02}"), format!("{h:02}:00–{h:02}:59")];
        row.extend(reports.iter().map(|r| r.complaints_by_hour()[h].to_string()));
        line(row);
    }
    // Each committee's hotspots, its count in its own column.
    for (column, r) in reports.iter().enumerate() {
        for (rank, (place, n)) in r.hotspots.iter().enumerate() {
            let mut row = vec![t(lang, "report.hotspots"), format!("{}", rank + 1), place.clone()];
            row.extend((0..reports.len()).map(|c| if c == column { n.to_string() } else { String::new() }));
            line(row);
        }
    }
    out
}

/// The report as a printable PDF.
pub fn pdf(r: &Report, lang: Lang, made_at: NaiveDateTime) -> Result<Rendered, PdfError> {
    let count_cols = vec![t(lang, "report.item"), t(lang, "report.count")];
    let rows_of = |prefix: &str, pairs: Vec<(&'static str, i64)>| -> Vec<Vec<String>> {
        pairs.into_iter().map(|(code, n)| vec![t(lang, &format!("{prefix}.{code}")), n.to_string()]).collect()
    };
    let hours = r.complaints_by_hour();
    let sections = vec![
        Section {
            title: t(lang, "report.headline"),
            columns: count_cols.clone(),
            widths: vec![0.7, 0.3],
            rows: headline(r).into_iter().map(|(k, v)| vec![t(lang, k), v]).collect(),
        },
        Section {
            title: t(lang, "report.by_dispute_type"),
            columns: count_cols.clone(),
            widths: vec![0.7, 0.3],
            rows: rows_of("dispute_type", r.dispute_types()),
        },
        Section {
            title: t(lang, "report.by_source"),
            columns: count_cols.clone(),
            widths: vec![0.7, 0.3],
            rows: rows_of("source", r.sources()),
        },
        Section {
            title: t(lang, "report.by_channel"),
            columns: count_cols.clone(),
            widths: vec![0.7, 0.3],
            rows: rows_of("channel", r.channels()),
        },
        Section {
            title: t(lang, "report.hotspots"),
            columns: vec![t(lang, "report.location"), t(lang, "report.count")],
            widths: vec![0.7, 0.3],
            rows: r.hotspots.iter().map(|(place, n)| vec![place.clone(), n.to_string()]).collect(),
        },
        Section {
            title: t(lang, "report.by_hour"),
            columns: vec![t(lang, "report.hour"), t(lang, "report.complaints"), t(lang, "report.exceedances")],
            widths: vec![0.4, 0.3, 0.3],
            rows: (0..24)
                .filter(|h| hours[*h] > 0 || r.exceedances_by_hour[*h] > 0)
                .map(|h| {
                    vec![format!("{h:02}:00–{h:02}:59"), hours[h].to_string(), r.exceedances_by_hour[h].to_string()]
                })
                .collect(),
        },
    ];
    let doc = ReportDoc {
        header: Header {
            lang,
            committee: r.committee_name.clone(),
            number: format!("{} – {}", r.from, r.to),
            record_time: made_at,
        },
        sections,
        notes: vec![t(lang, "report.note_cohort"), t(lang, "report.note_compliance")],
    };
    crate::documents::report::render(&doc)
}
