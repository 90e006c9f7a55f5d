//! Follow-up visits: each term of an agreement assessed from what was seen.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::follow_ups::{self, FollowUp};
use crate::db::users::User;
use crate::db::{Db, committees};
use crate::domain::clock::format_instant;
use crate::domain::commands::follow_up::FollowUpFields;

/// The finding for one term.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplianceView {
    /// Index of the term, from 0.
    pub term_index: usize,
    /// kept, breached or unknown.
    pub result: String,
}

/// A recorded follow-up.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FollowUpView {
    /// Id.
    pub id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// When.
    pub visited_at: String,
    /// Who visited.
    pub visitor: String,
    /// Method.
    pub method: String,
    /// Satisfaction.
    pub satisfaction: Option<i32>,
    /// kept, breached or unknown.
    pub overall: String,
    /// Per term.
    pub compliance: Vec<ComplianceView>,
    /// The agreement's status afterwards.
    pub agreement_status: String,
}

/// The summary of a follow-up within a case.
pub fn summary_view(f: &FollowUp, offset: i32) -> serde_json::Value {
    serde_json::json!({
        "id": f.id,
        "agreement_id": f.agreement_id,
        "visited_at": format_instant(f.visited_at, offset),
        "visitor": f.visitor,
        "method": f.method,
        "satisfaction": f.satisfaction,
        "overall": f.overall,
        "resident_answer": f.resident_answer,
        "risk_signs": f.risk_signs,
        "measures": f.measures,
        "lawsuit": f.lawsuit,
    })
}

/// Records a follow-up visit to agreement `agreement_id`: each term is
/// assessed from the evidence; any breach marks the agreement and the case
/// breached.
pub async fn record_follow_up(
    db: &Db,
    user: &User,
    agreement_id: i64,
    fields: FollowUpFields,
) -> AppResult<FollowUpView> {
    let new = fields.parse(&user.display_name)?;
    let user = user.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        let outcome = follow_ups::record(conn, &user.actor(), &committee, agreement_id, &new, Utc::now().naive_utc())?;
        let fu = &outcome.follow_up;
        Ok::<_, AppError>(FollowUpView {
            id: fu.id,
            agreement_id: fu.agreement_id,
            visited_at: format_instant(fu.visited_at, committee.utc_offset_minutes),
            visitor: fu.visitor.clone(),
            method: fu.method.to_string(),
            satisfaction: fu.satisfaction,
            overall: fu.overall.clone(),
            compliance: outcome
                .compliance
                .iter()
                .map(|(i, r)| ComplianceView { term_index: *i, result: r.code().to_owned() })
                .collect(),
            agreement_status: outcome.agreement.status.to_string(),
        })
    })
    .await
}
