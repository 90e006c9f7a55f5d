//! Parties and their part in cases.

mod reseal;

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Nullable, Text};

use serde_json::json;

use super::DbConn;
use super::audit::audited;
use super::codes::Code;
use super::schema::{case_party, party};
use crate::data_key::{self, Field, KeyError, Keyring, Purpose};
use crate::domain::audit::Actor;
use crate::domain::case::PartyRole;
use crate::domain::party::{ACCESS_CODE_LEN, PIN_LEN, Particulars};
use crate::random;

pub use reseal::*;

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
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Identity number (stored sealed).
    #[diesel(deserialize_as = Opened<IdNumberColumn>)]
    pub id_number: Option<String>,
    /// Code for the resident portal (stored sealed; found by `access_key`).
    #[diesel(deserialize_as = OpenedCode)]
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

/// `party.access_code`: sealed, or `-<id>` once the party is anonymised.
#[derive(Debug)]
pub struct OpenedCode(String);

impl<DB: Backend> Queryable<Text, DB> for OpenedCode
where
    String: FromSql<Text, DB>,
{
    type Row = String;

    fn build(stored: String) -> deserialize::Result<Self> {
        Ok(Self(data_key::open(Field::AccessCode, &stored)?))
    }
}

impl From<OpenedCode> for String {
    fn from(opened: OpenedCode) -> Self {
        opened.0
    }
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
    pub role: Code<PartyRole>,
    /// Whom a representative represents.
    pub represents: Option<String>,
}

impl CaseParty {
    /// The role; stored values are checked by the table.
    pub fn role(&self) -> PartyRole {
        self.role.get()
    }
}

/// Records a party with a fresh access code; returns it.
pub fn insert(conn: &mut DbConn, committee_id: i64, p: &Particulars, now: NaiveDateTime) -> QueryResult<Party> {
    for _ in 0..5 {
        // A savepoint, so that a code collision leaves the transaction usable.
        match conn.transaction(|conn| insert_once(conn, committee_id, p, now)) {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            other => return other,
        }
    }
    Err(DieselError::RollbackTransaction)
}

/// One try of [`insert`], in no savepoint of its own: an access code
/// already given fails the transaction.
fn insert_once(conn: &mut DbConn, committee_id: i64, p: &Particulars, now: NaiveDateTime) -> QueryResult<Party> {
    let row = Row::new(committee_id, p, now)?;
    diesel::insert_into(party::table)
        .values(&row)
        .returning(<Party as Selectable<super::MultiBackend>>::construct_selection())
        .get_result::<Party>(conn)
}

/// [`insert_once`] of each of `parties` (each with its committee) by one
/// statement, for a writer that writes its work again on any failure (the
/// complaint intake); the parties come back in the order given. Their ids
/// are reserved first, so that each row written is known by its own.
pub fn insert_all_once(
    conn: &mut DbConn,
    parties: &[(i64, &Particulars)],
    now: NaiveDateTime,
) -> QueryResult<Vec<Party>> {
    if parties.is_empty() {
        return Ok(Vec::new());
    }
    let ids = super::sql::reserve_ids(conn, "party", parties.len())?;
    let rows: Vec<(diesel::dsl::Eq<party::id, i64>, Row<'_>)> = ids
        .iter()
        .zip(parties)
        .map(|(&id, &(committee_id, p))| Ok((party::id.eq(id), Row::new(committee_id, p, now)?)))
        .collect::<QueryResult<_>>()?;
    let written: Vec<Party> = crate::on_backend!(conn, c => diesel::insert_into(party::table)
        .values(&rows)
        .returning(Party::as_returning())
        .get_results(c))?;
    super::sql::in_order_of(&ids, written, |p| p.id)
}

/// The columns of a party as first written: its contacts sealed, its
/// access code new.
#[derive(Insertable)]
#[diesel(table_name = party, treat_none_as_default_value = false)]
struct Row<'a> {
    committee_id: i64,
    kind: &'a str,
    name: &'a str,
    sex: Option<&'a str>,
    ethnicity: Option<&'a str>,
    birth_year: Option<i32>,
    occupation: Option<&'a str>,
    phone: Option<String>,
    address: Option<&'a str>,
    organisation: Option<&'a str>,
    id_number: Option<String>,
    access_code: String,
    access_key: String,
    created_at: NaiveDateTime,
}

impl<'a> Row<'a> {
    fn new(committee_id: i64, p: &'a Particulars, now: NaiveDateTime) -> QueryResult<Self> {
        let ring = ring()?;
        let code = random::code(ACCESS_CODE_LEN);
        Ok(Self {
            committee_id,
            kind: p.kind.map_or("person", |k| k.code()),
            name: &p.name,
            sex: p.sex.map(|s| s.code()),
            ethnicity: p.ethnicity.as_deref(),
            birth_year: p.birth_year,
            occupation: p.occupation.as_deref(),
            phone: p.phone.as_ref().map(|ph| seal(Field::Phone, ph.as_str())).transpose()?,
            address: p.address.as_deref(),
            organisation: p.organisation.as_deref(),
            id_number: p.id_number.as_deref().map(|id| seal(Field::IdNumber, id)).transpose()?,
            access_code: ring.seal(Field::AccessCode, &code),
            access_key: access_key(&ring, &code),
            created_at: now,
        })
    }
}

/// The keyed hash an access code is found by: of the code as printed
/// (upper case, no separators), under the current key.
pub fn access_key(ring: &Keyring, code: &str) -> String {
    ring.mac(Purpose::AccessCode, normalised_code(code).as_bytes())
}

/// An access code as typed: letters and digits, upper case.
pub fn normalised_code(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase()
}

/// The message a portal PIN is hashed with: the party's id and the PIN, so
/// that one PIN's hash stands for one party only.
fn pin_message(party_id: i64, pin: &str) -> String {
    format!("{party_id}:{pin}")
}

/// Issues party `id` of `committee_id` a new portal PIN, which replaces any
/// before it; only its keyed hash is kept. Audited; returns the PIN, to be
/// printed on the party's own slip or told to them once.
pub fn issue_pin(conn: &mut DbConn, actor: &Actor, committee_id: i64, id: i64) -> QueryResult<String> {
    let ring = ring()?;
    let pin = random::digits(PIN_LEN);
    set_pin_with(conn, &ring, actor, committee_id, id, &pin)?;
    Ok(pin)
}

/// Gives party `id` of `committee_id` the portal PIN `pin` (the demo's
/// parties get a known one). Audited.
pub fn set_pin(conn: &mut DbConn, actor: &Actor, committee_id: i64, id: i64, pin: &str) -> QueryResult<()> {
    set_pin_with(conn, &*ring()?, actor, committee_id, id, pin)
}

fn set_pin_with(
    conn: &mut DbConn,
    ring: &Keyring,
    actor: &Actor,
    committee_id: i64,
    id: i64,
    pin: &str,
) -> QueryResult<()> {
    audited(conn, actor, committee_id, |conn, log| {
        let party = find(conn, committee_id, id)?;
        if party.access_code.starts_with('-') {
            // Anonymised: no portal any more.
            return Err(DieselError::NotFound);
        }
        diesel::update(party::table.find(id))
            .set(party::pin_hash.eq(ring.mac(Purpose::PortalPin, pin_message(id, pin).as_bytes())))
            .execute(conn)?;
        log.record("party.portal_pin", "party", id, json!({}));
        Ok(())
    })
}

/// The ids of the parties of a committee.
pub fn of_committee(conn: &mut DbConn, committee_id: i64) -> QueryResult<Vec<i64>> {
    party::table.filter(party::committee_id.eq(committee_id)).select(party::id).order(party::id).load(conn)
}

/// The party holding access code `code` whose PIN is `pin`, if any.
pub fn by_credentials(conn: &mut DbConn, code: &str, pin: &str) -> QueryResult<Option<Party>> {
    let ring = ring()?;
    let keys = ring.macs(Purpose::AccessCode, normalised_code(code).as_bytes());
    let found: Option<(Party, Option<String>)> = party::table
        .filter(party::access_key.eq_any(&keys))
        .filter(party::anonymised_at.is_null())
        .select((Party::as_select(), party::pin_hash))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(party, hash)| {
        let ok = hash.is_some_and(|h| ring.verify_mac(Purpose::PortalPin, pin_message(party.id, pin).as_bytes(), &h));
        ok.then_some(party)
    }))
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
    of_cases(conn, &[case_id])
}

/// The parties of cases `case_ids`, by case, each case's applicants first.
pub fn of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<(CaseParty, Party)>> {
    let mut rows: Vec<(CaseParty, Party)> = case_party::table
        .inner_join(party::table)
        .filter(case_party::case_id.eq_any(case_ids))
        .select((CaseParty::as_select(), Party::as_select()))
        .load(conn)?;
    rows.sort_by_key(|(cp, _)| (cp.case_id, PartyRole::ALL.iter().position(|r| *r == cp.role()).unwrap_or(9), cp.id));
    Ok(rows)
}

/// One party of a committee.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<Party> {
    party::table
        .filter(party::id.eq(id).and(party::committee_id.eq(committee_id)))
        .select(Party::as_select())
        .first(conn)
}

/// Parties `ids` of any committee; an id of no party is left out.
pub fn of_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Party>> {
    party::table.filter(party::id.eq_any(ids)).select(Party::as_select()).load(conn)
}
