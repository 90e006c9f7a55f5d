//! A case's timeline: every record of the case in order, with who recorded it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::app_user;
use super::{DbConn, agreements, cases, complaints, follow_ups, investigations, mediation};

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// When it happened.
    pub at: NaiveDateTime,
    /// What: `complaint`, `registered`, `transition`, `investigation`,
    /// `measurement`, `session`, `meeting`, `agreement`, `signature`,
    /// `effective`, `follow_up`, `referral`.
    pub kind: &'static str,
    /// The record's id.
    pub record_id: i64,
    /// A short summary in data terms (numbers, codes, places).
    pub summary: String,
    /// Who recorded it.
    pub recorded_by: Option<String>,
}

/// The names of the users of committees `committee_ids`: by committee, each
/// user's by id.
pub fn names_of(conn: &mut DbConn, committee_ids: &[i64]) -> QueryResult<HashMap<i64, HashMap<i64, String>>> {
    let rows: Vec<(i64, i64, String)> = app_user::table
        .filter(app_user::committee_id.eq_any(committee_ids))
        .select((app_user::committee_id, app_user::id, app_user::display_name))
        .load(conn)?;
    let mut names: HashMap<i64, HashMap<i64, String>> = HashMap::new();
    for (committee_id, id, name) in rows {
        names.entry(committee_id).or_default().insert(id, name);
    }
    Ok(names)
}

/// Every record of a case, loaded once for its timeline and its views.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Complaints.
    pub complaints: Vec<complaints::Complaint>,
    /// Status changes.
    pub transitions: Vec<cases::Transition>,
    /// On-site investigations.
    pub investigations: Vec<investigations::Investigation>,
    /// Noise measurements.
    pub measurements: Vec<investigations::Measurement>,
    /// Mediation sessions.
    pub sessions: Vec<mediation::Session>,
    /// Mediation meetings.
    pub meetings: Vec<mediation::Meeting>,
    /// Agreements, each with its signatures.
    pub agreements: Vec<(agreements::Agreement, Vec<agreements::SignatureRow>)>,
    /// Follow-up visits.
    pub follow_ups: Vec<follow_ups::FollowUp>,
    /// Referrals.
    pub referrals: Vec<cases::Referral>,
}

impl Records {
    /// Loads the records of case `case_id`.
    pub fn load(conn: &mut DbConn, case_id: i64) -> QueryResult<Self> {
        Ok(Self::load_many(conn, &[case_id])?.remove(&case_id).unwrap_or_default())
    }

    /// Loads the records of cases `case_ids`, each case's as [`Records::load`]
    /// would, by a statement per kind of record for all of them.
    pub fn load_many(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<HashMap<i64, Self>> {
        let mut all: HashMap<i64, Self> = case_ids.iter().map(|&id| (id, Self::default())).collect();
        let mut sigs: HashMap<i64, Vec<agreements::SignatureRow>> = HashMap::new();
        for sig in agreements::signatures_of_cases(conn, case_ids)? {
            sigs.entry(sig.agreement_id).or_default().push(sig);
        }
        for a in agreements::of_cases(conn, case_ids)? {
            let signed = sigs.remove(&a.id).unwrap_or_default();
            if let Some(records) = all.get_mut(&a.case_id) {
                records.agreements.push((a, signed));
            }
        }
        let complaints = complaints::of_cases(conn, case_ids)?;
        sort_into(&mut all, complaints, |c| c.case_id.unwrap_or_default(), |r| &mut r.complaints);
        let transitions = cases::transitions_of_cases(conn, case_ids)?;
        for (case_id, t) in transitions {
            if let Some(records) = all.get_mut(&case_id) {
                records.transitions.push(t);
            }
        }
        let investigations = investigations::of_cases(conn, case_ids)?;
        sort_into(&mut all, investigations, |i| i.case_id, |r| &mut r.investigations);
        let measurements = investigations::measurements_of_cases(conn, case_ids)?;
        sort_into(&mut all, measurements, |m| m.case_id, |r| &mut r.measurements);
        let sessions = mediation::sessions_of_cases(conn, case_ids)?;
        sort_into(&mut all, sessions, |s| s.case_id, |r| &mut r.sessions);
        let meetings = mediation::meetings_of_cases(conn, case_ids)?;
        sort_into(&mut all, meetings, |m| m.case_id, |r| &mut r.meetings);
        let follow_ups = follow_ups::of_cases(conn, case_ids)?;
        sort_into(&mut all, follow_ups, |f| f.case_id, |r| &mut r.follow_ups);
        let referrals = cases::referrals_of_cases(conn, case_ids)?;
        sort_into(&mut all, referrals, |r| r.case_id, |r| &mut r.referrals);
        Ok(all)
    }
}

/// Puts each of `rows`, in their order, into the records of its case.
fn sort_into<T>(
    all: &mut HashMap<i64, Records>,
    rows: Vec<T>,
    case_of: impl Fn(&T) -> i64,
    kind: impl Fn(&mut Records) -> &mut Vec<T>,
) {
    for row in rows {
        if let Some(records) = all.get_mut(&case_of(&row)) {
            kind(records).push(row);
        }
    }
}

/// The timeline of records already loaded, naming who recorded each by
/// `users` (the names of the case's committee's users, by id).
pub fn of_records(case: &cases::Case, records: &Records, users: &HashMap<i64, String>) -> Vec<Entry> {
    let who = |id: Option<i64>| id.and_then(|id| users.get(&id).cloned());
    let mut entries = Vec::new();
    for c in &records.complaints {
        entries.push(Entry {
            at: c.received_at,
            kind: "complaint",
            record_id: c.id,
            summary: format!("{} · {} · {}", c.channel, c.category, c.location),
            recorded_by: who(c.created_by),
        });
    }
    entries.push(Entry {
        at: case.registered_at,
        kind: "registered",
        record_id: case.id,
        summary: case.number.clone(),
        recorded_by: who(case.created_by),
    });
    for t in &records.transitions {
        let summary = match &t.reason {
            Some(r) => format!("{} → {}: {r}", t.from_status, t.to_status),
            None => format!("{} → {}", t.from_status, t.to_status),
        };
        entries.push(Entry {
            at: t.created_at,
            kind: "transition",
            record_id: case.id,
            summary,
            recorded_by: who(t.created_by),
        });
    }
    for i in &records.investigations {
        entries.push(Entry {
            at: i.conducted_at,
            kind: "investigation",
            record_id: i.id,
            summary: i.place.clone(),
            recorded_by: who(i.created_by),
        });
    }
    for m in &records.measurements {
        let summary = format!(
            "{} dB(A) → {} / {} dB(A) ({}){}",
            m.laeq_db,
            m.corrected_db.map_or_else(|| "—".to_owned(), |c| c.to_string()),
            m.limit_db,
            m.period,
            if m.valid { "" } else { " ·" }
        );
        entries.push(Entry {
            at: m.measured_at,
            kind: "measurement",
            record_id: m.id,
            summary: summary.trim_end_matches(" ·").to_owned(),
            recorded_by: who(m.created_by),
        });
    }
    for s in &records.sessions {
        entries.push(Entry {
            at: s.held_at,
            kind: "session",
            record_id: s.id,
            summary: format!("{} · {}", s.place, s.outcome),
            recorded_by: who(s.created_by),
        });
    }
    for m in &records.meetings {
        let summary = format!("{} · {}/{}/{}", m.place, m.votes_for, m.votes_against, m.votes_abstain);
        entries.push(Entry {
            at: m.held_at,
            kind: "meeting",
            record_id: m.id,
            summary,
            recorded_by: who(m.created_by),
        });
    }
    for (a, sigs) in &records.agreements {
        entries.push(Entry {
            at: a.created_at,
            kind: "agreement",
            record_id: a.id,
            summary: format!("v{} · {}", a.version, a.kind),
            recorded_by: who(a.created_by),
        });
        for sig in sigs {
            entries.push(Entry {
                at: sig.signed_at,
                kind: "signature",
                record_id: sig.id,
                summary: format!("{} · {}", sig.role, sig.signer_name),
                recorded_by: who(sig.recorded_by),
            });
        }
        if let (Some(at), Some(hash)) = (a.effective_at, &a.content_hash) {
            entries.push(Entry {
                at,
                kind: "effective",
                record_id: a.id,
                summary: hash[..16].to_owned(),
                recorded_by: None,
            });
        }
    }
    for f in &records.follow_ups {
        entries.push(Entry {
            at: f.visited_at,
            kind: "follow_up",
            record_id: f.id,
            // A party's own report says what they answered; no term was
            // assessed, so its finding alone would say nothing.
            summary: format!("{} · {}", f.method, f.resident_answer.as_deref().unwrap_or(&f.overall)),
            recorded_by: who(f.created_by),
        });
    }
    for r in &records.referrals {
        entries.push(Entry {
            at: r.referred_at,
            kind: "referral",
            record_id: r.id,
            summary: r.referred_to.clone(),
            recorded_by: who(r.created_by),
        });
    }
    entries.sort_by_key(|e| e.at);
    entries
}
