//! The residents' portal: signing in with the access code and PIN of a
//! party's own receipt slip, large type, a party's answer on whether an
//! agreement is kept; and its credentials: a new PIN for a party who lost
//! their slip, the receipt slips of a case. Issuing a PIN is a mediator's or
//! an administrator's act (the caller checks the role), audited; only the
//! PIN's keyed hash is kept.

use chrono::Utc;

use crate::db::committees;
use crate::db::parties::Party;
use crate::db::{portal, sign_in};
use crate::domain::audit::Actor;
use crate::domain::case::PartyRole;
use crate::domain::throttle::{PORTAL_PER_ADDRESS, PORTAL_PER_CODE};
use crate::i18n::t;
use crate::random;

use crate::app::documents::{PrintSettings, receipts};
use crate::app::error::{AppError, AppResult};
use crate::db::users::User;
use crate::db::{Db, cases, parties};
use crate::documents::Rendered;

/// Issues party `party_id` of the user's committee a new portal PIN (the
/// old one stops working); answers it, shown this once.
pub async fn issue_pin(db: &Db, user: &User, party_id: i64) -> AppResult<String> {
    let user = user.clone();
    db.run(move |conn| Ok::<_, AppError>(parties::issue_pin(conn, &user.actor(), user.committee_id, party_id)?)).await
}

/// The receipt slips of case `case_id` (or of party `only`), each with a
/// PIN issued now, as PDF, rendered with no connection held; with the
/// case's number.
pub async fn print_receipts(
    db: &Db,
    user: &User,
    case_id: i64,
    only: Option<i64>,
    settings: &PrintSettings,
) -> AppResult<(Rendered, String)> {
    let user = user.clone();
    let settings = settings.clone();
    let (doc, number) = db
        .run(move |conn| {
            let case = cases::find(conn, user.committee_id, case_id)?;
            let now = Utc::now().naive_utc();
            let doc = receipts(conn, user.committee_id, case_id, only, &settings, &user.actor(), now)?;
            Ok::<_, AppError>((doc, case.number))
        })
        .await?;
    let rendered = crate::app::off_the_workers("rendering", move || crate::documents::receipts::render(&doc))
        .await?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering receipts")))?;
    Ok((rendered, number))
}

/// What a resident's sign-in came to.
#[derive(Debug)]
pub enum ResidentSignIn {
    /// Signed in: the new session's id, for the cookie.
    Session(String),
    /// The code and PIN name no party (the same answer for either wrong).
    Refused,
    /// Too many failures: try again after this many seconds.
    Throttled(u64),
}

/// Signs a resident in with an access code and PIN from `address`.
/// Failures are counted per code and per address apart from the staff's
/// sign-ins, before the credentials are checked.
pub async fn sign_in_resident(db: &Db, code: String, pin: String, address: &str) -> AppResult<ResidentSignIn> {
    let code_key = format!("portal:{code}");
    let address_key = format!("portal-addr:{address}");
    db.run(move |conn| {
        let keys = [(code_key.as_str(), PORTAL_PER_CODE), (address_key.as_str(), PORTAL_PER_ADDRESS)];
        if let Some(wait) = sign_in::attempt(conn, &keys, Utc::now().naive_utc())? {
            return Ok(ResidentSignIn::Throttled(u64::try_from(wait.num_seconds()).unwrap_or(1).max(1)));
        }
        let Some(party) = parties::by_credentials(conn, &code, &pin)? else { return Ok(ResidentSignIn::Refused) };
        sign_in::succeeded(conn, &code_key, &[&address_key])?;
        let id = random::token();
        portal::start_session(conn, &random::digest(&id), party.id, Utc::now().naive_utc())?;
        Ok::<_, AppError>(ResidentSignIn::Session(id))
    })
    .await
}

/// Ends a resident's session on the server, so that a copy of its cookie
/// opens nothing any more.
pub async fn sign_out_resident(db: &Db, session_id: &str) -> AppResult<()> {
    let hash = random::digest(session_id);
    db.run(move |conn| Ok::<_, AppError>(portal::end_session(conn, &hash)?)).await
}

/// Turns large type on or off for a resident's session.
pub async fn set_large_type(db: &Db, session: String, large: bool) -> AppResult<()> {
    db.run(move |conn| Ok::<_, AppError>(portal::set_large_type(conn, &session, large)?)).await
}

/// Records a party's answer on whether agreement `agreement_id` is kept
/// (`kept`, `partly` or `not_kept`) as a follow-up; "not kept" also opens a
/// complaint in the case. Answers the case's id.
pub async fn report_keeping(
    db: &Db,
    party: &Party,
    actor: Actor,
    agreement_id: i64,
    answer: &'static str,
    note: Option<String>,
    satisfaction: Option<i32>,
) -> AppResult<i64> {
    let party = party.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, party.committee_id)?;
        let default_description = t(committee.lang(), "portal.not_kept_complaint");
        let report = portal::Answer { answer, note, satisfaction, default_description };
        let outcome = portal::report(conn, &actor, &committee, &party, agreement_id, &report, Utc::now().naive_utc())?;
        Ok::<_, AppError>(outcome.agreement.case_id)
    })
    .await
}

/// The party a portal session (by the hash of its id) belongs to, with its
/// large-type choice, if the session started after `since` and is open.
pub async fn resident_session(
    db: &Db,
    session_hash: String,
    since: chrono::NaiveDateTime,
) -> AppResult<Option<(Party, bool)>> {
    db.run(move |conn| Ok::<_, AppError>(portal::session(conn, &session_hash, since)?)).await
}

/// A resident's home: their committee's UTC offset, their cases (with
/// their role in each) and their complaints (with their case's status).
pub struct Home {
    /// The committee's UTC offset in minutes.
    pub offset: i32,
    /// The party's cases.
    pub cases: Vec<(parties::CaseParty, cases::Case)>,
    /// The party's complaints.
    pub complaints: Vec<(crate::db::complaints::Complaint, Option<String>)>,
}

/// The home of `party`.
pub async fn home(db: &Db, party: &Party) -> AppResult<Home> {
    let (committee_id, party_id) = (party.committee_id, party.id);
    db.run(move |conn| {
        Ok::<_, AppError>(Home {
            offset: committees::find(conn, committee_id)?.utc_offset_minutes,
            cases: portal::cases_of(conn, party_id)?,
            complaints: portal::complaints_of(conn, party_id)?,
        })
    })
    .await
}

/// A signed agreement as a party sees it: its terms' texts and the
/// party's last answer on its keeping, with when.
pub struct OwnAgreement {
    /// The agreement.
    pub agreement: crate::db::agreements::Agreement,
    /// Its terms' texts.
    pub terms: Vec<String>,
    /// The party's last answer and its time.
    pub last_answer: Option<(String, chrono::NaiveDateTime)>,
    /// Whose keeping the party is asked about, as the role whose question
    /// reads so (`portal.question.*`): their own (`respondent`), the other
    /// side's (`applicant`), every side's (`third_party`), or, for a
    /// representative, theirs and the other side's.
    pub question: &'static str,
}

/// Whose keeping party `party_id`, of role `role`, is asked about: from the
/// parties its terms bind when they name any, else from the role.
fn question_for(role: PartyRole, party_id: i64, bound: &std::collections::BTreeSet<i64>) -> &'static str {
    match role {
        PartyRole::Representative => PartyRole::Representative.code(),
        _ if bound.is_empty() => role.code(),
        _ if bound.len() == 1 && bound.contains(&party_id) => PartyRole::Respondent.code(),
        _ if bound.contains(&party_id) => PartyRole::ThirdParty.code(),
        _ => PartyRole::Applicant.code(),
    }
}

/// One case of a party's own: their role, the case, its number of
/// complaints and its signed agreements.
pub struct OwnCase {
    /// The committee's UTC offset in minutes.
    pub offset: i32,
    /// The party's place in the case.
    pub role: parties::CaseParty,
    /// The case.
    pub case: cases::Case,
    /// How many complaints it holds.
    pub complaints: usize,
    /// Its signed agreements.
    pub agreements: Vec<OwnAgreement>,
}

/// Case `case_id` of `party`; another party's case is not found.
pub async fn own_case(db: &Db, party: &Party, case_id: i64) -> AppResult<OwnCase> {
    let (committee_id, party_id) = (party.committee_id, party.id);
    db.run(move |conn| {
        let offset = committees::find(conn, committee_id)?.utc_offset_minutes;
        let (role, case) = portal::case_of(conn, party_id, case_id)?;
        let complaints = crate::db::complaints::of_case(conn, case.id)?.len();
        let mut agreements = Vec::new();
        for a in portal::signed_agreements(conn, case.id)? {
            let rows = crate::db::agreements::terms(conn, a.id)?;
            let bound = rows.iter().filter_map(|t| t.obligor_party_id).collect();
            let question = question_for(role.role(), party_id, &bound);
            let terms = rows.into_iter().map(|t| t.text).collect();
            let last_answer = portal::last_answer(conn, party_id, a.id)?;
            agreements.push(OwnAgreement { agreement: a, terms, last_answer, question });
        }
        Ok::<_, AppError>(OwnCase { offset, role, case, complaints, agreements })
    })
    .await
}

/// The PDF of agreement `id` for `party`: only a signed (frozen) agreement
/// of the party's own case; any other is not found.
pub async fn own_agreement_pdf(
    db: &Db,
    party: &Party,
    id: i64,
    settings: &PrintSettings,
    actor: &Actor,
) -> AppResult<crate::app::documents::Pdf> {
    let party_id = party.id;
    db.run(move |conn| {
        let a = crate::db::agreements::find_any(conn, id)?;
        portal::case_of(conn, party_id, a.case_id)?;
        if !a.status().is_frozen() { Err(AppError::NotFound) } else { Ok(()) }
    })
    .await?;
    crate::app::documents::agreement_pdf(db, party.committee_id, id, settings, actor).await
}

/// The case of agreement `id`, if it is one of `party`'s own cases.
pub async fn own_agreement_case(db: &Db, party: &Party, id: i64) -> AppResult<i64> {
    let party_id = party.id;
    db.run(move |conn| {
        let a = crate::db::agreements::find_any(conn, id)?;
        portal::case_of(conn, party_id, a.case_id)?;
        Ok::<_, AppError>(a.case_id)
    })
    .await
}
