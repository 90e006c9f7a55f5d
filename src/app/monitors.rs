//! Noise monitors: registering a committee's devices and listing them.
//! A device identifies itself with secrets shown once, at registration:
//! an HTTP token and its HJ 212 password (generated unless the device has
//! one configured); only their hashes are kept.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::monitors::{self, Monitor, password_hash};
use crate::db::users::User;
use crate::db::{Db, committees};
use crate::domain::clock::format_instant;
use crate::domain::commands::monitor::MonitorFields;
use crate::random;

/// A monitor as the API and the pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitorView {
    /// Id.
    pub id: i64,
    /// Where it stands.
    pub place: String,
    /// Measurement position code.
    pub position: String,
    /// Acoustic zone class.
    pub zone_class: String,
    /// `class1`, `class2` or `indicative`.
    pub instrument_class: String,
    /// Serial number.
    pub serial: String,
    /// Day of calibration.
    pub calibrated_on: Option<String>,
    /// Last day the calibration is valid.
    pub calibration_valid_until: Option<String>,
    /// `certified` when its readings of tonight can support a breach
    /// finding (class 1 or 2, calibration valid), else `indicative`.
    pub basis_today: String,
    /// HJ 212 device identity.
    pub mn: String,
    /// Case watched.
    pub case_id: Option<i64>,
    /// Agreement checked.
    pub agreement_id: Option<i64>,
    /// When it was registered.
    pub created_at: String,
}

impl MonitorView {
    /// The view of a stored monitor on `today` (the committee's date).
    pub fn new(m: &Monitor, today: NaiveDate, offset: i32) -> Self {
        Self {
            id: m.id,
            place: m.place.clone(),
            position: m.position.to_string(),
            zone_class: m.zone_class.to_string(),
            instrument_class: m.instrument_class.to_string(),
            serial: m.serial.clone(),
            calibrated_on: m.calibrated_on.map(|d| d.to_string()),
            calibration_valid_until: m.calibration_valid_until.map(|d| d.to_string()),
            basis_today: m.spec().basis(today).code().to_owned(),
            mn: m.mn.clone(),
            case_id: m.case_id,
            agreement_id: m.agreement_id,
            created_at: format_instant(m.created_at, offset),
        }
    }
}

/// A monitor just registered, with the secrets its device needs; they are
/// shown this once and never again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisteredMonitor {
    /// The monitor.
    #[serde(flatten)]
    pub monitor: MonitorView,
    /// Bearer token for `POST /api/v1/monitors/{id}/readings`.
    pub token: String,
    /// The HJ 212 password (`PW`) the device must send.
    pub hj212_password: String,
}

fn committee_today(offset: i32) -> NaiveDate {
    (Utc::now().naive_utc() + chrono::TimeDelta::minutes(i64::from(offset))).date()
}

/// Registers a monitor of the user's committee. A case or agreement it is
/// linked to must be the committee's.
pub async fn register_monitor(db: &Db, user: &User, fields: MonitorFields) -> AppResult<RegisteredMonitor> {
    let user = user.clone();
    let token = random::token();
    let token_hash = random::digest(&token);
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        let new = fields.parse(committee.zone_class.get())?;
        let password = new.hj212_password.clone().unwrap_or_else(|| random::code(12));
        let hash = password_hash(&new.mn, &password).map_err(|e| AppError::Internal(e.into()))?;
        let now = Utc::now().naive_utc();
        let row = monitors::register(conn, &user.actor(), committee.id, &new, &hash, &token_hash, now)?;
        let offset = committee.utc_offset_minutes;
        let monitor = MonitorView::new(&row, committee_today(offset), offset);
        Ok::<_, AppError>(RegisteredMonitor { monitor, token, hj212_password: password })
    })
    .await
}

/// The user's committee's monitors, newest first.
pub async fn list_monitors(db: &Db, user: &User) -> AppResult<Vec<MonitorView>> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let today = committee_today(offset);
        let rows = monitors::of_committee(conn, committee_id)?;
        Ok::<_, AppError>(rows.iter().map(|m| MonitorView::new(m, today, offset)).collect())
    })
    .await
}
