//! Parties and their part in cases.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::DbConn;
use super::schema::{case_party, party};
use crate::domain::case::PartyRole;
use crate::domain::party::{ACCESS_CODE_LEN, Particulars};
use crate::random;

/// A party as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = party)]
pub struct Party {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// person / organisation.
    pub kind: String,
    /// Name.
    pub name: String,
    /// male / female.
    pub sex: Option<String>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Last four digits of the telephone, for the portal.
    pub phone_last4: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Identity number.
    pub id_number: Option<String>,
    /// Code for the resident portal.
    pub access_code: String,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// A party's part in one case.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_party)]
pub struct CaseParty {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Party.
    pub party_id: i64,
    /// applicant / respondent / third_party / representative.
    pub role: String,
    /// Whom a representative represents.
    pub represents: Option<String>,
}

impl CaseParty {
    /// The role; stored values are checked by the table.
    pub fn role(&self) -> PartyRole {
        PartyRole::parse(&self.role).unwrap_or(PartyRole::ThirdParty)
    }
}

/// Records a party with a fresh access code; returns it.
pub fn insert(conn: &mut DbConn, committee_id: i64, p: &Particulars, now: NaiveDateTime) -> QueryResult<Party> {
    for _ in 0..5 {
        let code = random::code(ACCESS_CODE_LEN);
        // A savepoint, so that a code collision leaves the transaction usable.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(party::table)
                .values((
                    party::committee_id.eq(committee_id),
                    party::kind.eq(p.kind.map_or("person", |k| k.code())),
                    party::name.eq(&p.name),
                    party::sex.eq(p.sex.map(|s| s.code())),
                    party::ethnicity.eq(&p.ethnicity),
                    party::birth_year.eq(p.birth_year),
                    party::occupation.eq(&p.occupation),
                    party::phone.eq(p.phone.as_ref().map(|ph| ph.as_str())),
                    party::phone_last4.eq(p.phone.as_ref().map(|ph| ph.last4())),
                    party::address.eq(&p.address),
                    party::organisation.eq(&p.organisation),
                    party::id_number.eq(&p.id_number),
                    party::access_code.eq(&code),
                    party::created_at.eq(now),
                ))
                .returning(party::id)
                .get_result::<i64>(conn)
                .and_then(|id| party::table.find(id).select(Party::as_select()).first(conn))
        });
        match inserted {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            other => return other,
        }
    }
    Err(DieselError::RollbackTransaction)
}

/// Makes a party part of a case.
pub fn link(
    conn: &mut DbConn,
    case_id: i64,
    party_id: i64,
    role: PartyRole,
    represents: Option<&str>,
) -> QueryResult<i64> {
    diesel::insert_into(case_party::table)
        .values((
            case_party::case_id.eq(case_id),
            case_party::party_id.eq(party_id),
            case_party::role.eq(role.code()),
            case_party::represents.eq(represents),
        ))
        .returning(case_party::id)
        .get_result(conn)
}

/// The parties of a case, applicants first.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<(CaseParty, Party)>> {
    let mut rows: Vec<(CaseParty, Party)> = case_party::table
        .inner_join(party::table)
        .filter(case_party::case_id.eq(case_id))
        .order(case_party::id)
        .select((CaseParty::as_select(), Party::as_select()))
        .load(conn)?;
    rows.sort_by_key(|(cp, _)| (PartyRole::ALL.iter().position(|r| *r == cp.role()).unwrap_or(9), cp.id));
    Ok(rows)
}

/// One party of a committee.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<Party> {
    party::table
        .filter(party::id.eq(id).and(party::committee_id.eq(committee_id)))
        .select(Party::as_select())
        .first(conn)
}

/// Several parties by id.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Party>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    party::table.filter(party::id.eq_any(ids)).select(Party::as_select()).load(conn)
}
