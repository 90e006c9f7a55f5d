//! A party's request to see what the committee holds about them.

use crate::app::error::{AppError, AppResult};
use crate::db::users::User;
use crate::db::{Db, privacy};

/// Everything stored about party `party_id` of the administrator's
/// committee, as JSON; the export is recorded in the audit chain.
pub async fn export_party(db: &Db, admin: &User, party_id: i64) -> AppResult<serde_json::Value> {
    let admin = admin.clone();
    db.run(move |conn| Ok::<_, AppError>(privacy::export(conn, &admin.actor(), admin.committee_id, party_id)?)).await
}
