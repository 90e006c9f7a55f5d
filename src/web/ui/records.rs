//! Forms for the records of a case: on-site investigations, noise
//! measurements (with the limit and exceedance shown before saving),
//! mediation sessions and community meetings.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::form::FormData;
use super::{Choice, FormErrors, choices, codes, done, form_errors, refused};
use crate::app::error::{AppError, AppResult};
use crate::app::field_work::{self, MeasurementView, preview};
use crate::app::mediation as mediation_act;
use crate::db::cases::Case;
use crate::db::committees::Committee;
use crate::db::mediation::LegalReference;
use crate::db::users::User;
use crate::domain::clock::to_local_input;
use crate::domain::commands::investigation::{InvestigationFields, MeasurementFields, QuestionAnswer};
use crate::domain::commands::mediation::{MeetingFields, SessionFields, Statement};
use crate::domain::noise::Position;
use crate::web::http::access::{FIELD_WORK, MEDIATION};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

/// Which record a form records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// 调查笔录.
    Investigation,
    /// A noise reading.
    Measurement,
    /// 调解会.
    Session,
    /// 居民议事会.
    Meeting,
}

impl RecordKind {
    fn code(self) -> &'static str {
        match self {
            RecordKind::Investigation => "investigations",
            RecordKind::Measurement => "measurements",
            RecordKind::Session => "sessions",
            RecordKind::Meeting => "meetings",
        }
    }

    fn roles(self) -> &'static [crate::domain::account::Role] {
        match self {
            RecordKind::Investigation | RecordKind::Measurement => FIELD_WORK,
            RecordKind::Session | RecordKind::Meeting => MEDIATION,
        }
    }
}

/// The form of a record of a case.
#[derive(Template)]
#[template(path = "ui/record_form.html")]
struct RecordFormPage {
    page: PageContext,
    kind: &'static str,
    case_id: i64,
    case_number: String,
    case_title: String,
    form: FormData,
    errors: FormErrors,
    positions: Vec<Choice>,
    outcomes: Vec<Choice>,
    library: Vec<LegalReference>,
    preview: Option<MeasurementView>,
    rows: Vec<usize>,
}

/// What a record form shows besides the form.
struct Context {
    case: Case,
    committee: Committee,
    library: Vec<LegalReference>,
}

async fn context(state: &AppState, user: &User, case_id: i64) -> AppResult<Context> {
    let (committee, case, library) = mediation_act::record_context(&state.db, user, case_id).await?;
    Ok(Context { case, committee, library })
}

fn page_of(
    page: PageContext,
    kind: RecordKind,
    ctx: Context,
    form: FormData,
    errors: FormErrors,
    preview: Option<MeasurementView>,
) -> RecordFormPage {
    let lang = page.lang;
    let rows_of = match kind {
        RecordKind::Investigation => "record",
        _ => "statements",
    };
    let mut rows = form.rows(rows_of);
    if rows.is_empty() {
        rows = vec![0];
    }
    RecordFormPage {
        kind: kind.code(),
        case_id: ctx.case.id,
        case_number: ctx.case.number,
        case_title: ctx.case.title,
        positions: choices(lang, &codes(Position::ALL, Position::code), "position", form.get("position")),
        outcomes: choices(lang, &crate::domain::commands::mediation::OUTCOMES, "outcome", form.get("outcome")),
        library: ctx.library,
        page,
        form,
        errors,
        preview,
        rows,
    }
}

fn parse_kind(raw: &str) -> AppResult<RecordKind> {
    match raw {
        "investigations" => Ok(RecordKind::Investigation),
        "measurements" => Ok(RecordKind::Measurement),
        "sessions" => Ok(RecordKind::Session),
        "meetings" => Ok(RecordKind::Meeting),
        _ => Err(crate::app::error::AppError::NotFound),
    }
}

/// Shows an empty record form with sensible defaults.
pub async fn new_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (case_id, kind) = path.into_inner();
    let kind = parse_kind(&kind)?;
    let user = user.require(kind.roles())?.clone();
    let record = context(&state, &user, case_id).await?;
    let now = to_local_input(Utc::now().naive_utc(), record.committee.utc_offset_minutes);
    let place = record.case.location.clone().unwrap_or_default();
    let me = user.display_name.clone();
    let form = match kind {
        RecordKind::Investigation => FormData::with([("conducted_at", now), ("place", place), ("investigators", me)]),
        RecordKind::Measurement => FormData::with([
            ("measured_at", now),
            ("position", "outside_window_1m".to_owned()),
            ("height_m", "1.2".to_owned()),
            ("duration_s", "600".to_owned()),
            ("instrument_class", "2".to_owned()),
            ("operator", me),
        ]),
        RecordKind::Session => FormData::with([
            ("held_at", now),
            ("mediators", me.clone()),
            ("recorder", me),
            ("outcome", "agreed".into()),
        ]),
        RecordKind::Meeting => FormData::with([("held_at", now)]),
    };
    render(&page_of(PageContext::new(&ctx, &req), kind, record, form, FormErrors::none(), None))
}

fn investigation_fields(form: &FormData, offset: i32) -> InvestigationFields {
    InvestigationFields {
        conducted_at: form.instant("conducted_at", offset),
        place: form.text("place"),
        investigators: form.text("investigators"),
        participants: form.opt("participants"),
        subject: form.opt("subject"),
        record: form
            .rows("record")
            .into_iter()
            .map(|i| QuestionAnswer {
                q: form.row("record", i, "q").to_owned(),
                a: form.row("record", i, "a").to_owned(),
            })
            .filter(|qa| !(qa.q.trim().is_empty() && qa.a.trim().is_empty()))
            .collect(),
        findings: form.opt("findings"),
    }
}

fn measurement_fields(form: &mut FormData, offset: i32) -> MeasurementFields {
    MeasurementFields {
        measured_at: form.instant("measured_at", offset),
        position: form.text("position"),
        height_m: form.number("height_m"),
        laeq_db: form.number("laeq_db"),
        lmax_db: form.number("lmax_db"),
        background_db: form.number("background_db"),
        duration_s: form.number("duration_s"),
        instrument_class: form.number("instrument_class"),
        calibration_before_db: form.number("calibration_before_db"),
        calibration_after_db: form.number("calibration_after_db"),
        indicative: form.checked("indicative"),
        instrument: form.opt("instrument"),
        operator: form.opt("operator"),
        investigation_id: None,
    }
}

fn statements(form: &FormData) -> Vec<Statement> {
    form.rows("statements")
        .into_iter()
        .map(|i| Statement {
            speaker: form.row("statements", i, "speaker").to_owned(),
            text: form.row("statements", i, "text").to_owned(),
        })
        .filter(|s| !(s.speaker.trim().is_empty() && s.text.trim().is_empty()))
        .collect()
}

fn session_fields(form: &FormData, offset: i32) -> SessionFields {
    SessionFields {
        held_at: form.instant("held_at", offset),
        place: form.text("place"),
        matter: form.opt("matter"),
        mediators: form.opt("mediators"),
        recorder: form.opt("recorder"),
        attendees: form.opt("attendees"),
        statements: statements(form),
        findings: form.opt("findings"),
        risks_explained: form.opt("risks_explained"),
        outcome: form.text("outcome"),
        failure_reason: form.opt("failure_reason"),
        legal_references: form.all("legal_references"),
    }
}

fn meeting_fields(form: &mut FormData, offset: i32) -> MeetingFields {
    MeetingFields {
        held_at: form.instant("held_at", offset),
        place: form.text("place"),
        attendees: form.text("attendees"),
        attendance: form.number("attendance"),
        explanations: form.text("explanations"),
        votes_for: form.number("votes.for").unwrap_or(0),
        votes_against: form.number("votes.against").unwrap_or(0),
        votes_abstain: form.number("votes.abstain").unwrap_or(0),
        resolution: form.opt("resolution"),
        chair: form.opt("chair"),
        legal_references: form.all("legal_references"),
    }
}

/// Saves a record (or, for a measurement with `action=preview`, shows what
/// it would show without saving it).
pub async fn create_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<(i64, String)>,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let (case_id, kind) = path.into_inner();
    let kind = parse_kind(&kind)?;
    let user = user.require(kind.roles())?.clone();
    let record = context(&state, &user, case_id).await?;
    let offset = record.committee.utc_offset_minutes;
    let lang = ctx.lang;
    let db = &state.db;
    let saved: Result<(), FormErrors> = match kind {
        RecordKind::Investigation => {
            let fields = investigation_fields(&form, offset);
            let parsed = form.finish(fields.parse().map(|_| ()).map_err(AppError::from));
            let written = match parsed {
                Ok(()) => field_work::record_investigation(db, &user, case_id, fields).await.map(|_| ()),
                Err(refused) => Err(refused),
            };
            form_errors(written, lang)?
        }
        RecordKind::Measurement => {
            let fields = measurement_fields(&mut form, offset);
            let settings = record.committee.settings()?;
            let parsed = form.finish(fields.parse(&settings, offset).map_err(AppError::from));
            if form.get("action") == "preview" {
                let shown = match form_errors(parsed, lang)? {
                    Ok(new) => (Some(preview(&new, offset)), FormErrors::none()),
                    Err(errors) => (None, errors),
                };
                let (view, errors) = shown;
                let page = page_of(PageContext::new(&ctx, &req), kind, record, form, errors, view);
                return if page.errors.any() { refused(&page) } else { render(&page) };
            }
            let written = match parsed {
                Ok(_) => field_work::record_measurement(db, &user, case_id, fields).await.map(|_| ()),
                Err(refused) => Err(refused),
            };
            form_errors(written, lang)?
        }
        RecordKind::Session => {
            let fields = session_fields(&form, offset);
            let parsed = form.finish(fields.parse(&user.display_name).map(|_| ()).map_err(AppError::from));
            let written = match parsed {
                Ok(()) => mediation_act::record_session(db, &user, case_id, fields).await.map(|_| ()),
                Err(refused) => Err(refused),
            };
            form_errors(written, lang)?
        }
        RecordKind::Meeting => {
            let fields = meeting_fields(&mut form, offset);
            let parsed = form.finish(fields.parse().map(|_| ()).map_err(AppError::from));
            let written = match parsed {
                Ok(()) => mediation_act::record_meeting(db, &user, case_id, fields).await.map(|_| ()),
                Err(refused) => Err(refused),
            };
            form_errors(written, lang)?
        }
    };
    match saved {
        Ok(()) => {
            let label = crate::i18n::t(lang, &format!("record.kind.{}", kind.code()));
            Ok(done(&state, &format!("/cases/{case_id}"), "flash.record_saved", &label))
        }
        Err(errors) => refused(&page_of(PageContext::new(&ctx, &req), kind, record, form, errors, None)),
    }
}
