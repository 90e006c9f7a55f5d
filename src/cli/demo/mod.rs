//! `hesheng demo`: the choir case of 敦化南路64号院 from the first complaint
//! to the follow-up visits, and three other cases of the same community.
//! Names and phone numbers are fictitious. Loading it twice adds nothing.

mod choir;
mod monitor;
mod others;

use chrono::{NaiveDateTime, Utc};

use crate::db::agreements;
use crate::db::cases;
use crate::db::complaints;
use crate::db::follow_ups;
use crate::db::investigations;
use crate::db::mediation;
use crate::db::users::{self, NewUser, User};
use crate::db::{DbConn, WriteError, committees, settings};
use crate::domain::account::{Role, Username};
use crate::domain::agreement::{AgreementKind, Named, Performance, SignMethod, SignerRole, Term, TermInput};
use crate::domain::audit::Actor;
use crate::domain::case::{CaseSource, CaseStatus, DisputeType, PartyRole, RiskLevel};
use crate::domain::clock::{ClockTime, local_clock, parse_instant};
use crate::domain::commands::agreement::{Draft, NewSignature};
use crate::domain::commands::case::{MoveRequest, NewCase, NewCaseParty};
use crate::domain::commands::complaint::NewComplaint;
use crate::domain::commands::follow_up::NewFollowUp;
use crate::domain::commands::investigation::{NewInvestigation, NewMeasurement, QuestionAnswer};
use crate::domain::commands::mediation::NewReferral;
use crate::domain::commands::mediation::{NewMeeting, NewSession, Statement};
use crate::domain::committee::CommitteeSettings;
use crate::domain::complaint::{Category, Channel, ObservedPattern};
use crate::domain::follow_up::{Compliance, Observation, VisitMethod};
use crate::domain::language::Lang;
use crate::domain::noise::{Position, Reading, assess};
use crate::domain::party::{Particulars, Phone, Sex};
use crate::passwords;

pub use monitor::{DEMO_MN, DEMO_MONITOR_PASSWORD, DEMO_MONITOR_TOKEN};

use choir::*;
use others::*;

/// Password of the demo accounts (printed by the command; never use the
/// demo accounts with real data).
pub const DEMO_PASSWORD: &str = "harmony in the courtyard";

/// The portal PIN of every demo party (a real party's is random and
/// printed only on their own receipt slip).
pub const DEMO_PIN: &str = "246810";

const MARKER: &str = "demo_loaded";

/// What the demo did.
#[derive(Debug)]
pub enum Loaded {
    /// Loaded now; the ids of the choir case and its memorandum.
    Now { choir_case: i64, memorandum: i64 },
    /// It was loaded before.
    Already,
}

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A write was refused.
    #[error("demo data refused: {0}")]
    Write(#[from] WriteError),
    /// Something else failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Write(WriteError::from(e))
    }
}

impl From<crate::db::users::CreateUserError> for DemoError {
    fn from(e: crate::db::users::CreateUserError) -> Self {
        DemoError::Other(anyhow::anyhow!("demo user: {e}"))
    }
}

fn at(s: &str) -> Result<NaiveDateTime, DemoError> {
    parse_instant(s).map_err(|e| DemoError::Other(anyhow::anyhow!("demo time {s}: {e}")))
}

fn person(name: &str, sex: Option<Sex>, birth_year: Option<i32>, phone: &str, address: &str) -> Particulars {
    Particulars {
        name: name.to_owned(),
        sex,
        ethnicity: Some("汉族".to_owned()),
        birth_year,
        phone: Phone::parse(phone).ok(),
        address: Some(address.to_owned()),
        ..Default::default()
    }
}

fn term(input: TermInput<'_>) -> Result<Term, DemoError> {
    Term::parse(&input, Lang::ZhCn).map_err(|e| DemoError::Other(anyhow::anyhow!("demo term: {e:?}")))
}

fn user(conn: &mut DbConn, committee_id: i64, name: &str, shown: &str, role: Role) -> Result<User, DemoError> {
    if let Some((u, _)) = users::find_for_sign_in(conn, name)? {
        return Ok(u);
    }
    let hash = passwords::hash(DEMO_PASSWORD)?;
    let username = Username::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = users::create(
        conn,
        &Actor::cli(),
        &NewUser { committee_id, username, display_name: shown.to_owned(), role, password_hash: hash },
    )?;
    Ok(users::find(conn, id)?)
}

/// Loads the demo into committee 1 (named 敦化南路社区人民调解委员会 when it
/// still has its default name).
pub fn load(conn: &mut DbConn) -> Result<Loaded, DemoError> {
    if settings::get(conn, MARKER)?.is_some() {
        return Ok(Loaded::Already);
    }
    let mut committee = committees::find(conn, 1)?;
    if committee.name == CommitteeSettings::default_committee().name {
        let mut s = committee.settings()?;
        s.name = "敦化南路社区人民调解委员会".to_owned();
        s.abbreviation = "敦南".to_owned();
        committees::update(conn, &Actor::cli(), committee.id, &s)?;
        committee = committees::find(conn, 1)?;
    }
    let cid = committee.id;
    user(conn, cid, "demo.admin", "孙主任", Role::Admin)?;
    let mediator = user(conn, cid, "wang.mediator", "王建国", Role::Mediator)?;
    let grid = user(conn, cid, "li.grid", "李梅", Role::GridWorker)?;
    let staff = user(conn, cid, "zhao.staff", "赵丽", Role::Staff)?;
    let (choir_case, memorandum) = choir(conn, &committee, &mediator, &grid, &staff)?;
    roof_leak(conn, &committee, &mediator)?;
    hornet_nest(conn, &committee, &mediator)?;
    renovation(conn, &committee, &mediator)?;
    monitor::choir_monitor(conn, &committee, &mediator, choir_case, memorandum, Utc::now().naive_utc())?;
    for party in crate::db::parties::of_committee(conn, cid)? {
        crate::db::parties::set_pin(conn, &Actor::cli(), cid, party, DEMO_PIN)?;
    }
    settings::get_or_init(conn, MARKER, || Utc::now().to_rfc3339())?;
    Ok(Loaded::Now { choir_case, memorandum })
}
