//! A batch of generated records, written many rows a statement (copied on
//! PostgreSQL): a batch of 500 cases is a score of statements instead of
//! ten thousand round trips.

use diesel::sql_types::{BigInt, Date, Integer, Text, Timestamp};

use crate::db::Backend;
use crate::db::agreements::NewTerm;

use super::*;

/// A generated case.
pub(super) struct CaseRow {
    pub id: i64,
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub title: String,
    pub dispute: &'static str,
    pub source: &'static str,
    pub status: &'static str,
    pub risk: &'static str,
    pub facts: &'static str,
    pub location: String,
    pub registered: NaiveDateTime,
    pub prevented_criminal: bool,
    pub prevented_petition: bool,
}

/// A generated party, its contact details sealed.
pub(super) struct PartyRow {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub access_code: String,
    pub access_key: String,
    pub created_at: NaiveDateTime,
}

/// A generated complaint.
pub(super) struct ComplaintRow {
    pub received: NaiveDateTime,
    pub channel: &'static str,
    pub location: String,
    pub location_key: String,
    pub description: &'static str,
    pub reporter: Option<i64>,
    pub anonymous: bool,
    pub case_id: i64,
}

/// A generated agreement: written while signing, then frozen as it takes
/// effect (its terms and signatures cannot be written once it is).
pub(super) struct AgreementRow {
    pub case_id: i64,
    pub facts: &'static str,
    pub place: String,
    pub created_by: i64,
    pub held: NaiveDateTime,
    pub status: &'static str,
    pub hash: String,
    pub json: String,
    pub effective: NaiveDateTime,
    pub deadline: NaiveDate,
    pub code: String,
    pub copies: i32,
}

/// A signature on the batch's agreement number `agreement`.
pub(super) struct SignatureRow {
    pub agreement: usize,
    pub role: &'static str,
    pub party_id: Option<i64>,
    pub name: String,
    pub at: NaiveDateTime,
    pub recorded_by: i64,
}

/// A follow-up of the batch's agreement number `agreement`.
pub(super) struct FollowUpRow {
    pub agreement: usize,
    pub case_id: i64,
    pub visited: NaiveDateTime,
    pub visitor: String,
    pub satisfaction: i32,
    pub overall: &'static str,
}

/// The records of a batch of generated cases.
#[derive(Default)]
pub(super) struct Rows {
    pub cases: Vec<CaseRow>,
    pub parties: Vec<PartyRow>,
    pub case_parties: Vec<(i64, i64, &'static str)>,
    pub case_mediators: Vec<(i64, i64)>,
    pub complaints: Vec<ComplaintRow>,
    /// (case, held, mediator, outcome).
    pub sessions: Vec<(i64, NaiveDateTime, String, &'static str)>,
    pub agreements: Vec<AgreementRow>,
    /// (the batch's agreement number, position, term).
    pub terms: Vec<(usize, i32, Term)>,
    pub signatures: Vec<SignatureRow>,
    pub follow_ups: Vec<FollowUpRow>,
    pub search: Vec<(i64, i64, Indexed)>,
}

impl Rows {
    /// Writes the batch of `committee_id`, its agreements under the ids
    /// `agreement_ids` (one for each, reserved), and freezes the agreements.
    pub(super) fn write(
        &self,
        conn: &mut DbConn,
        committee_id: i64,
        agreement_ids: &[i64],
        phases: &mut Phases,
    ) -> QueryResult<()> {
        let cases: Vec<_> = self
            .cases
            .iter()
            .map(|r| {
                (
                    mediation_case::id.eq(r.id),
                    mediation_case::committee_id.eq(committee_id),
                    mediation_case::number.eq(&r.number),
                    mediation_case::year.eq(r.year),
                    mediation_case::seq.eq(r.seq),
                    mediation_case::title.eq(&r.title),
                    mediation_case::dispute_type.eq(r.dispute),
                    mediation_case::source.eq(r.source),
                    mediation_case::status.eq(r.status),
                    mediation_case::risk_level.eq(r.risk),
                    mediation_case::public_session.eq(false),
                    mediation_case::facts.eq(r.facts),
                    mediation_case::location.eq(&r.location),
                    mediation_case::registered_at.eq(r.registered),
                    mediation_case::routes_explained.eq(r.status == "terminated"),
                    mediation_case::termination_reason.eq((r.status == "terminated").then_some("一方拒绝继续调解")),
                    mediation_case::prevented_criminal.eq(r.prevented_criminal),
                    mediation_case::prevented_petition.eq(r.prevented_petition),
                    mediation_case::created_at.eq(r.registered),
                    mediation_case::updated_at.eq(r.registered),
                )
            })
            .collect();
        phases.time("cases", || crate::insert_many!(conn, mediation_case::table, 20, cases))?;
        let parties: Vec<_> = self
            .parties
            .iter()
            .map(|r| {
                (
                    party::id.eq(r.id),
                    party::committee_id.eq(committee_id),
                    party::kind.eq("person"),
                    party::name.eq(&r.name),
                    party::phone.eq(&r.phone),
                    party::address.eq(&r.address),
                    party::access_code.eq(&r.access_code),
                    party::access_key.eq(&r.access_key),
                    party::created_at.eq(r.created_at),
                )
            })
            .collect();
        phases.time("parties", || crate::insert_many!(conn, party::table, 9, parties))?;
        let case_parties: Vec<_> = self
            .case_parties
            .iter()
            .map(|&(case, party, role)| {
                (case_party::case_id.eq(case), case_party::party_id.eq(party), case_party::role.eq(role))
            })
            .collect();
        phases.time("case parties", || crate::insert_many!(conn, case_party::table, 3, case_parties))?;
        let mediators: Vec<_> = self
            .case_mediators
            .iter()
            .map(|&(case, user)| (case_mediator::case_id.eq(case), case_mediator::user_id.eq(user)))
            .collect();
        phases.time("case mediators", || crate::insert_many!(conn, case_mediator::table, 2, mediators))?;
        if !self.complaints.is_empty() {
            phases.time("complaints", || write_complaints(conn, committee_id, &self.complaints))?;
        }
        let sessions: Vec<_> = self
            .sessions
            .iter()
            .map(|(case, held, mediator, outcome)| {
                (
                    mediation_session::case_id.eq(*case),
                    mediation_session::held_at.eq(*held),
                    mediation_session::place.eq("社区人民调解室"),
                    mediation_session::mediators.eq(mediator),
                    mediation_session::recorder.eq(mediator),
                    mediation_session::statements.eq("[]"),
                    mediation_session::outcome.eq(*outcome),
                    mediation_session::failure_reason.eq((*outcome == "failed").then_some("一方拒绝继续调解")),
                    mediation_session::created_at.eq(*held),
                )
            })
            .collect();
        phases.time("sessions", || crate::insert_many!(conn, mediation_session::table, 9, sessions))?;
        let agreements: Vec<_> = self
            .agreements
            .iter()
            .zip(agreement_ids)
            .map(|(r, &id)| {
                (
                    agreement::id.eq(id),
                    agreement::case_id.eq(r.case_id),
                    agreement::version.eq(1),
                    agreement::kind.eq("written"),
                    agreement::facts.eq(r.facts),
                    agreement::disputed_matters.eq("活动时间和音量"),
                    agreement::performance_manner.eq("当事人自觉履行"),
                    agreement::performance_place.eq(&r.place),
                    agreement::status.eq("signing"),
                    agreement::created_by.eq(r.created_by),
                    agreement::created_at.eq(r.held),
                    agreement::updated_at.eq(r.effective),
                )
            })
            .collect();
        phases.time("agreements", || crate::insert_many!(conn, agreement::table, 12, agreements))?;
        let terms: Vec<NewTerm<'_>> =
            self.terms.iter().map(|(a, position, t)| NewTerm::new(agreement_ids[*a], *position, t)).collect();
        phases.time("terms", || crate::insert_many!(conn, agreement_term::table, NewTerm::COLUMNS, terms))?;
        let signatures: Vec<_> = self
            .signatures
            .iter()
            .map(|r| {
                (
                    signature::agreement_id.eq(agreement_ids[r.agreement]),
                    signature::role.eq(r.role),
                    signature::party_id.eq(r.party_id),
                    signature::signer_name.eq(&r.name),
                    signature::method.eq(if r.role == "committee_seal" { "seal" } else { "paper" }),
                    signature::signed_at.eq(r.at),
                    signature::recorded_by.eq(r.recorded_by),
                    signature::created_at.eq(r.at),
                )
            })
            .collect();
        phases.time("signatures", || crate::insert_many!(conn, signature::table, 8, signatures))?;
        // Takes effect as signing does: content frozen, hashed, coded.
        phases.time("freezing", || freeze(conn, &self.agreements, agreement_ids))?;
        let follow_ups: Vec<_> = self
            .follow_ups
            .iter()
            .map(|r| {
                (
                    follow_up::agreement_id.eq(agreement_ids[r.agreement]),
                    follow_up::case_id.eq(r.case_id),
                    follow_up::visited_at.eq(r.visited),
                    follow_up::visitor.eq(&r.visitor),
                    follow_up::method.eq("visit"),
                    follow_up::satisfaction.eq(r.satisfaction),
                    follow_up::lawsuit.eq(false),
                    follow_up::overall.eq(r.overall),
                    follow_up::created_at.eq(r.visited),
                )
            })
            .collect();
        phases.time("follow-ups", || crate::insert_many!(conn, follow_up::table, 9, follow_ups))?;
        Ok(())
    }
}

/// Writes generated complaints of `committee_id`.
pub(super) fn write_complaints(conn: &mut DbConn, committee_id: i64, rows: &[ComplaintRow]) -> QueryResult<()> {
    let complaints: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                complaint::committee_id.eq(committee_id),
                complaint::received_at.eq(r.received),
                complaint::channel.eq(r.channel),
                complaint::category.eq("noise"),
                complaint::location.eq(&r.location),
                complaint::location_key.eq(&r.location_key),
                complaint::description.eq(r.description),
                complaint::reporter_party_id.eq(r.reporter),
                complaint::anonymous.eq(r.anonymous),
                complaint::case_id.eq(r.case_id),
                complaint::created_at.eq(r.received),
            )
        })
        .collect();
    crate::insert_many!(conn, complaint::table, 11, complaints)
}

/// Agreements frozen by one statement at most (eight values each).
const FROZEN_PER_UPDATE: usize = crate::db::VALUES_PER_STATEMENT / 8;

/// Freezes `agreements` (stored as signing under `ids`): their statuses,
/// hashes, frozen content, codes, one statement for many.
fn freeze(conn: &mut DbConn, agreements: &[AgreementRow], ids: &[i64]) -> QueryResult<()> {
    let backend = conn.backend();
    let rows: Vec<(&AgreementRow, i64)> = agreements.iter().zip(ids.iter().copied()).collect();
    for chunk in rows.chunks(FROZEN_PER_UPDATE) {
        // The placeholders in the backend's style: `?`, or numbered `$n`.
        let mut n = 0;
        let mut placeholder = || {
            n += 1;
            if backend == Backend::Postgres { format!("${n}") } else { "?".to_owned() }
        };
        let values = (0..chunk.len())
            .map(|_| format!("({})", (0..8).map(|_| placeholder()).collect::<Vec<_>>().join(", ")))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH frozen (id, status, content_hash, content_json, effective_at, confirmation_deadline, \
             verification_code, copies) AS (VALUES {values}) \
             UPDATE agreement SET status = frozen.status, content_hash = frozen.content_hash, \
             content_json = frozen.content_json, effective_at = frozen.effective_at, \
             confirmation_deadline = frozen.confirmation_deadline, verification_code = frozen.verification_code, \
             copies = frozen.copies FROM frozen WHERE agreement.id = frozen.id"
        );
        macro_rules! bound {
            ($query:expr) => {{
                let mut query = $query;
                for (r, id) in chunk {
                    query = query
                        .bind::<BigInt, _>(*id)
                        .bind::<Text, _>(r.status)
                        .bind::<Text, _>(r.hash.as_str())
                        .bind::<Text, _>(r.json.as_str())
                        .bind::<Timestamp, _>(r.effective)
                        .bind::<Date, _>(r.deadline)
                        .bind::<Text, _>(r.code.as_str())
                        .bind::<Integer, _>(r.copies);
                }
                query
            }};
        }
        match conn {
            DbConn::Sqlite(c) => {
                bound!(diesel::sql_query(sql.as_str()).into_boxed::<diesel::sqlite::Sqlite>()).execute(c)?
            }
            DbConn::Postgres(c) => bound!(diesel::sql_query(sql.as_str()).into_boxed::<diesel::pg::Pg>()).execute(c)?,
        };
    }
    Ok(())
}
