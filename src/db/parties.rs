//! Parties and their part in cases.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Nullable, Text};

use super::DbConn;
use super::schema::{case_party, complaint, party};
use crate::data_key::{self, Field, KeyError, Keyring};
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
    /// Telephone (stored sealed).
    #[diesel(deserialize_as = Opened<PhoneColumn>)]
    pub phone: Option<String>,
    /// Last four digits of the telephone, for the portal.
    pub phone_last4: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Identity number (stored sealed).
    #[diesel(deserialize_as = Opened<IdNumberColumn>)]
    pub id_number: Option<String>,
    /// Code for the resident portal.
    pub access_code: String,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// A sealed column.
pub trait SealedColumn {
    /// Which.
    const FIELD: Field;
}

/// `party.phone`.
#[derive(Debug)]
pub struct PhoneColumn;

impl SealedColumn for PhoneColumn {
    const FIELD: Field = Field::Phone;
}

/// `party.id_number`.
#[derive(Debug)]
pub struct IdNumberColumn;

impl SealedColumn for IdNumberColumn {
    const FIELD: Field = Field::IdNumber;
}

/// A sealed column's value, opened as it is loaded.
#[derive(Debug)]
pub struct Opened<C>(Option<String>, PhantomData<C>);

impl<C: SealedColumn, DB: Backend> Queryable<Nullable<Text>, DB> for Opened<C>
where
    Option<String>: FromSql<Nullable<Text>, DB>,
{
    type Row = Option<String>;

    fn build(row: Option<String>) -> deserialize::Result<Self> {
        let opened = row.map(|stored| data_key::open(C::FIELD, &stored)).transpose()?;
        Ok(Self(opened, PhantomData))
    }
}

impl<C> From<Opened<C>> for Option<String> {
    fn from(opened: Opened<C>) -> Self {
        opened.0
    }
}

/// `plain` sealed for `field`; a missing key fails the query.
pub fn seal(field: Field, plain: &str) -> QueryResult<String> {
    data_key::seal(field, plain).map_err(|e| DieselError::SerializationError(Box::new(e)))
}

/// How many values [`reseal`] sealed anew.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    /// Telephone numbers.
    pub phones: usize,
    /// Identity numbers.
    pub id_numbers: usize,
    /// Stored case views dropped for being sealed under an older key.
    pub views: usize,
}

/// Why [`reseal`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    /// A value does not open with the keyring.
    #[error("party {party}: {source}")]
    Open {
        /// The party.
        party: i64,
        /// Why.
        source: KeyError,
    },
    /// The database failed.
    #[error(transparent)]
    Query(#[from] DieselError),
}

/// Seals every telephone and identity number not yet sealed under the
/// keyring's current key (values stored before sealing, or under an older
/// key), a thousand parties a transaction.
pub fn reseal(conn: &mut DbConn, ring: &Keyring) -> Result<Resealed, ResealError> {
    const BATCH: i64 = 1000;
    let mut done = Resealed::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, Option<String>, Option<String>)> = party::table
            .filter(party::id.gt(after))
            .order(party::id)
            .limit(BATCH)
            .select((party::id, party::phone, party::id_number))
            .load(conn)?;
        let Some(&(last, _, _)) = rows.last() else {
            done.views = super::case_views::forget_other_keys(conn, ring)?;
            return Ok(done);
        };
        after = last;
        let renew = |id: i64, field: Field, stored: &Option<String>| -> Result<Option<String>, ResealError> {
            match stored {
                Some(s) if !ring.is_current(s) => {
                    let plain = ring.open(field, s).map_err(|source| ResealError::Open { party: id, source })?;
                    Ok(Some(ring.seal(field, &plain)))
                }
                _ => Ok(None),
            }
        };
        let mut changes = Vec::new();
        for (id, phone, id_number) in &rows {
            let (phone, id_number) = (renew(*id, Field::Phone, phone)?, renew(*id, Field::IdNumber, id_number)?);
            if phone.is_some() || id_number.is_some() {
                changes.push((*id, phone, id_number));
            }
        }
        if changes.is_empty() {
            continue;
        }
        super::write_transaction(conn, |conn| {
            for (id, phone, id_number) in &changes {
                if let Some(phone) = phone {
                    diesel::update(party::table.find(id)).set(party::phone.eq(phone)).execute(conn)?;
                    done.phones += 1;
                }
                if let Some(id_number) = id_number {
                    diesel::update(party::table.find(id)).set(party::id_number.eq(id_number)).execute(conn)?;
                    done.id_numbers += 1;
                }
            }
            Ok::<_, DieselError>(())
        })?;
    }
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
    let phone = p.phone.as_ref().map(|ph| seal(Field::Phone, ph.as_str())).transpose()?;
    let id_number = p.id_number.as_deref().map(|id| seal(Field::IdNumber, id)).transpose()?;
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
                    party::phone.eq(phone.as_deref()),
                    party::phone_last4.eq(p.phone.as_ref().map(|ph| ph.last4())),
                    party::address.eq(&p.address),
                    party::organisation.eq(&p.organisation),
                    party::id_number.eq(id_number.as_deref()),
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

/// The reporters of the complaints of case `case_id`.
pub fn reporters_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Party>> {
    let reporters = complaint::table
        .filter(complaint::case_id.eq(case_id).and(complaint::reporter_party_id.is_not_null()))
        .select(complaint::reporter_party_id.assume_not_null());
    party::table.filter(party::id.eq_any(reporters)).select(Party::as_select()).load(conn)
}
