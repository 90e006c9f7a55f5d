//! Verification: what a printed code or an archived file stands for.
//! Anyone may ask; no personal data is answered.

use crate::app::error::{AppError, AppResult};
use crate::db::{Db, DbConn, agreements, archive};
use crate::domain::clock::local_date;

/// What the page shows of an agreement.
#[derive(Debug, Clone)]
pub struct VerifiedAgreement {
    /// The committee.
    pub committee: String,
    /// Case number.
    pub number: String,
    /// Version.
    pub version: i32,
    /// Document type message key.
    pub kind_key: &'static str,
    /// Status message key.
    pub status_key: String,
    /// Effective date.
    pub effective_date: String,
    /// SHA-256 of the canonical content.
    pub content_hash: String,
    /// Archived copies: language and SHA-256.
    pub archived: Vec<(String, String)>,
    /// The verification code.
    pub code: String,
}

fn verified(conn: &mut DbConn, code: &str) -> AppResult<Option<VerifiedAgreement>> {
    let Some(a) = agreements::by_code(conn, code)? else {
        return Ok(None);
    };
    let (committee, case) = agreements::committee_of(conn, &a)?;
    let archived = archive::of_agreement(conn, a.id)?.into_iter().map(|x| (x.lang, x.sha256)).collect();
    Ok(Some(VerifiedAgreement {
        committee: committee.name,
        number: case.number,
        version: a.version,
        kind_key: if a.kind == "oral" { "doc.oral.title" } else { "doc.agreement.title" },
        status_key: format!("agreement_status.{}", a.status),
        effective_date: a
            .effective_at
            .map(|t| local_date(t, committee.utc_offset_minutes).to_string())
            .unwrap_or_default(),
        content_hash: a.content_hash.unwrap_or_default(),
        archived,
        code: a.verification_code.unwrap_or_default(),
    }))
}

/// The agreement verification code `code` stands for, if any.
pub async fn by_code(db: &Db, code: String) -> AppResult<Option<VerifiedAgreement>> {
    db.run(move |conn| verified(conn, &code)).await
}

/// The agreement a file of SHA-256 `sha256` is the archived copy of, if any.
pub async fn by_pdf(db: &Db, sha256: String) -> AppResult<Option<VerifiedAgreement>> {
    db.run(move |conn| match archive::by_sha256(conn, &sha256)? {
        Some(found) => {
            let a = agreements::find_any(conn, found.agreement_id)?;
            verified(conn, a.verification_code.as_deref().unwrap_or(""))
        }
        None => Ok::<_, AppError>(None),
    })
    .await
}
