//! The search index of cases: each case's folded texts (`case_search_text`)
//! and the cases holding each of their characters and pairs of characters
//! (`case_search_chunk`, see [`super::postings`]),
//! written in the transaction that changes what they are made of — a case's
//! title, number or place, its parties, a party's name, a complaint joining
//! or leaving it — and built for every stored case when a migration leaves
//! it unbuilt.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;

use super::DbConn;
use crate::db::postings::cases as postings;
use crate::db::schema::{case_party, case_search_state, case_search_text, complaint, mediation_case, party};
use crate::search::{FIELD_SEPARATOR, fold, keys};

/// What is searched of one case, folded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable)]
pub struct Indexed {
    /// Title, number and place.
    pub body: String,
    /// The parties' names.
    pub parties: String,
    /// The names of complainants who gave them (never an anonymous one's).
    pub complainants: String,
}

impl Indexed {
    /// The folded texts of a case's fields and names.
    pub fn of<'a>(
        title: &str,
        number: &str,
        location: Option<&str>,
        parties: impl IntoIterator<Item = &'a str>,
        complainants: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let join = |items: &mut dyn Iterator<Item = &str>| {
            let mut seen = BTreeSet::new();
            items
                .map(fold)
                .filter(|s| !s.is_empty() && seen.insert(s.clone()))
                .collect::<Vec<_>>()
                .join(&FIELD_SEPARATOR.to_string())
        };
        Self {
            body: join(&mut [title, number, location.unwrap_or_default()].into_iter()),
            parties: join(&mut parties.into_iter()),
            complainants: join(&mut complainants.into_iter()),
        }
    }

    /// Its keys.
    fn keys(&self) -> BTreeSet<i64> {
        keys([self.body.as_str(), self.parties.as_str(), self.complainants.as_str()])
    }
}

/// Writes the index of a case from its texts: the first time, or after a
/// change (only the keys that differ are written).
pub fn write(conn: &mut DbConn, committee_id: i64, case_id: i64, new: &Indexed) -> QueryResult<()> {
    let old: Option<Indexed> = case_search_text::table
        .find(case_id)
        .select((case_search_text::body, case_search_text::parties, case_search_text::complainants))
        .first(conn)
        .optional()?;
    if old.as_ref() == Some(new) {
        return Ok(());
    }
    let old_keys = old.as_ref().map(Indexed::keys).unwrap_or_default();
    let new_keys = new.keys();
    let gone: Vec<i64> = old_keys.difference(&new_keys).copied().collect();
    let added: Vec<i64> = new_keys.difference(&old_keys).copied().collect();
    postings::change(conn, committee_id, case_id, &added, &gone)?;
    if old.is_some() {
        diesel::update(case_search_text::table.find(case_id))
            .set((
                case_search_text::body.eq(&new.body),
                case_search_text::parties.eq(&new.parties),
                case_search_text::complainants.eq(&new.complainants),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(case_search_text::table)
            .values((
                case_search_text::case_id.eq(case_id),
                case_search_text::committee_id.eq(committee_id),
                case_search_text::body.eq(&new.body),
                case_search_text::parties.eq(&new.parties),
                case_search_text::complainants.eq(&new.complainants),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The texts of the cases `ids` as stored now, with each case's committee.
fn stored(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64, Indexed)>> {
    let cases: Vec<(i64, i64, String, String, Option<String>)> = mediation_case::table
        .filter(mediation_case::id.eq_any(ids))
        .select((
            mediation_case::id,
            mediation_case::committee_id,
            mediation_case::title,
            mediation_case::number,
            mediation_case::location,
        ))
        .order(mediation_case::id)
        .load(conn)?;
    let mut parties: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let rows: Vec<(i64, String)> = case_party::table
        .inner_join(party::table)
        .filter(case_party::case_id.eq_any(ids))
        .select((case_party::case_id, party::name))
        .load(conn)?;
    for (case, name) in rows {
        parties.entry(case).or_default().push(name);
    }
    let mut complainants: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let rows: Vec<(Option<i64>, String)> = complaint::table
        .inner_join(party::table)
        .filter(complaint::case_id.eq_any(ids))
        .filter(complaint::anonymous.eq(false))
        .select((complaint::case_id, party::name))
        .load(conn)?;
    for (case, name) in rows {
        if let Some(case) = case {
            complainants.entry(case).or_default().push(name);
        }
    }
    Ok(cases
        .into_iter()
        .map(|(id, committee, title, number, location)| {
            let names = |m: &BTreeMap<i64, Vec<String>>| m.get(&id).cloned().unwrap_or_default();
            let (p, c) = (names(&parties), names(&complainants));
            let indexed = Indexed::of(
                &title,
                &number,
                location.as_deref(),
                p.iter().map(String::as_str),
                c.iter().map(String::as_str),
            );
            (id, committee, indexed)
        })
        .collect())
}

/// Brings the index of the cases `ids` up to what is stored now.
pub fn refresh(conn: &mut DbConn, ids: &[i64]) -> QueryResult<()> {
    for (id, committee, indexed) in stored(conn, ids)? {
        write(conn, committee, id, &indexed)?;
    }
    Ok(())
}

/// Brings up to date the index of every case naming the party `party_id`:
/// as a party, or as a complainant.
pub fn refresh_for_party(conn: &mut DbConn, party_id: i64) -> QueryResult<()> {
    let mut ids: Vec<i64> =
        case_party::table.filter(case_party::party_id.eq(party_id)).select(case_party::case_id).load(conn)?;
    let complained: Vec<Option<i64>> =
        complaint::table.filter(complaint::reporter_party_id.eq(party_id)).select(complaint::case_id).load(conn)?;
    ids.extend(complained.into_iter().flatten());
    ids.sort_unstable();
    ids.dedup();
    refresh(conn, &ids)
}

/// Cases indexed per transaction when the whole index is built.
const BUILD_BATCH: i64 = 10_000;

/// Builds the index of every stored case when a migration has left it
/// unbuilt; the number of cases indexed, or `None` when it was built. Several
/// instances starting together build it once: the first marks it built in
/// the transaction that builds it, and the others wait for that and find it
/// built.
pub fn build_if_needed(conn: &mut DbConn) -> QueryResult<Option<usize>> {
    let built: bool = case_search_state::table.find(1).select(case_search_state::built).first(conn)?;
    if built {
        return Ok(None);
    }
    conn.transaction(|conn| {
        let claimed = diesel::update(case_search_state::table.find(1).filter(case_search_state::built.eq(false)))
            .set(case_search_state::built.eq(true))
            .execute(conn)?;
        if claimed == 0 {
            return Ok(None);
        }
        postings::clear(conn)?;
        diesel::delete(case_search_text::table).execute(conn)?;
        let mut after = 0i64;
        let mut indexed = 0usize;
        loop {
            let ids: Vec<i64> = mediation_case::table
                .filter(mediation_case::id.gt(after))
                .order(mediation_case::id)
                .select(mediation_case::id)
                .limit(BUILD_BATCH)
                .load(conn)?;
            let Some(&last) = ids.last() else { break };
            let cases = stored(conn, &ids)?;
            insert_all(conn, &cases)?;
            indexed += ids.len();
            tracing::info!(cases = indexed, "search index: cases indexed");
            after = last;
        }
        Ok(Some(indexed))
    })
}

/// Writes the index of cases not yet indexed and newer than every case
/// indexed in their committees, many rows a statement.
pub fn insert_all(conn: &mut DbConn, cases: &[(i64, i64, Indexed)]) -> QueryResult<()> {
    let mut keys: Vec<(i64, i64, i64)> = Vec::new();
    let mut texts = Vec::with_capacity(cases.len());
    for (id, committee, indexed) in cases {
        keys.extend(indexed.keys().into_iter().map(|k| (*committee, k, *id)));
        texts.push((
            case_search_text::case_id.eq(*id),
            case_search_text::committee_id.eq(*committee),
            case_search_text::body.eq(indexed.body.clone()),
            case_search_text::parties.eq(indexed.parties.clone()),
            case_search_text::complainants.eq(indexed.complainants.clone()),
        ));
    }
    crate::insert_many!(conn, case_search_text::table, 5, texts)?;
    postings::append(conn, &keys)
}
