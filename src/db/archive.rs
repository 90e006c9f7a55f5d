//! The archive of signed documents.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;

use super::DbConn;
use super::audit::audited;
use super::schema::document_archive;
use crate::domain::audit::Actor;

/// An archived document without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = document_archive)]
pub struct Archived {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Case.
    pub case_id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// Document kind.
    pub kind: String,
    /// Language.
    pub lang: String,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// Pages.
    pub pages: i32,
    /// When archived.
    pub created_at: NaiveDateTime,
    /// When its bytes were erased past the retention period.
    pub erased_at: Option<NaiveDateTime>,
}

/// A document to archive.
#[derive(Debug, Clone)]
pub struct NewArchived<'a> {
    /// Committee.
    pub committee_id: i64,
    /// Case.
    pub case_id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// Kind.
    pub kind: &'a str,
    /// Language.
    pub lang: &'a str,
    /// SHA-256.
    pub sha256: &'a str,
    /// Pages.
    pub pages: i32,
    /// The PDF.
    pub bytes: &'a [u8],
}

/// The archived copy of an agreement's document in a language.
pub fn find(conn: &mut DbConn, agreement_id: i64, kind: &str, lang: &str) -> QueryResult<Option<(Archived, Vec<u8>)>> {
    document_archive::table
        .filter(document_archive::agreement_id.eq(agreement_id))
        .filter(document_archive::kind.eq(kind))
        .filter(document_archive::lang.eq(lang))
        .select((Archived::as_select(), document_archive::bytes))
        .first(conn)
        .optional()
}

/// Every archived copy of an agreement.
pub fn of_agreement(conn: &mut DbConn, agreement_id: i64) -> QueryResult<Vec<Archived>> {
    document_archive::table
        .filter(document_archive::agreement_id.eq(agreement_id))
        .order(document_archive::id)
        .select(Archived::as_select())
        .load(conn)
}

/// The archived document with this SHA-256, if any.
pub fn by_sha256(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<Archived>> {
    document_archive::table
        .filter(document_archive::sha256.eq(sha256.trim().to_ascii_lowercase()))
        .select(Archived::as_select())
        .first(conn)
        .optional()
}

/// Archives a document; when another request archived it first, its copy
/// stands and is returned.
pub fn store(conn: &mut DbConn, actor: &Actor, new: &NewArchived<'_>, now: NaiveDateTime) -> QueryResult<Archived> {
    let inserted = audited(conn, actor, new.committee_id, |conn, log| {
        let id = diesel::insert_into(document_archive::table)
            .values((
                document_archive::committee_id.eq(new.committee_id),
                document_archive::case_id.eq(new.case_id),
                document_archive::agreement_id.eq(new.agreement_id),
                document_archive::kind.eq(new.kind),
                document_archive::lang.eq(new.lang),
                document_archive::sha256.eq(new.sha256),
                document_archive::pages.eq(new.pages),
                document_archive::bytes.eq(new.bytes),
                document_archive::created_at.eq(now),
            ))
            .returning(document_archive::id)
            .get_result::<i64>(conn)?;
        log.record(
            "document.archive",
            "document",
            id,
            json!({"agreement_id": new.agreement_id, "kind": new.kind, "lang": new.lang, "sha256": new.sha256}),
        );
        document_archive::table.find(id).select(Archived::as_select()).first(conn)
    });
    match inserted {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            find(conn, new.agreement_id, new.kind, new.lang)?.map(|(a, _)| a).ok_or(DieselError::NotFound)
        }
        other => other,
    }
}
