//! `GET /api/v1/openapi.json`, generated from the handlers.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::web::api::agreements;

use crate::web::api::cases;

use crate::web::api::committees;

use crate::web::api::complaints;

use crate::web::api::documents;

use crate::web::api::field_work;

use crate::web::api::follow_ups;

use crate::web::api::health;

use crate::web::api::mediation;

use crate::web::api::monitors;

use crate::web::api::portal_pins;

use crate::web::api::privacy;

use crate::web::api::reports;

use crate::web::api::tokens;

use crate::web::api::users;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// An error answer (RFC 9457), in the reader's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short title.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// On 422: every refused field and why.
    pub errors: Option<Vec<ProblemField>>,
}

/// A refused field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field as the request named it (`terms[1].max_db`).
    pub field: String,
    /// Why, for people.
    pub message: String,
}

/// The answers any operation can give besides its own: each is added
/// where it applies, so that the document names every status the API
/// sends.
struct StandardAnswers;

impl StandardAnswers {
    fn add(op: &mut Operation, status: &str, description: &str) {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            let content = ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("Problem")))).build();
            RefOr::T(
                ResponseBuilder::new().description(description).content("application/problem+json", content).build(),
            )
        });
    }

    fn complete(op: &mut Operation, path: &str) {
        if op.security.is_some() {
            Self::add(op, "401", "Sign in first: no valid bearer token was sent");
            Self::add(op, "403", "The caller's role may not do this");
            Self::add(op, "503", "No database connection came free in time: try again after `Retry-After`");
        }
        if path.contains('{') {
            Self::add(op, "404", "No such record, or not the caller's committee's");
        }
        let queried =
            op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
        if queried {
            Self::add(op, "400", "The query could not be read");
            Self::add(op, "422", "A query parameter is wrong: `errors` names each");
        }
        if op.request_body.is_some() {
            Self::add(op, "400", "The body could not be read (malformed JSON, a value of the wrong type)");
            Self::add(op, "413", "The body is larger than this operation takes");
            Self::add(op, "415", "The body must be `application/json`");
            Self::add(op, "422", "A field is wrong: `errors` names each");
        }
    }
}

impl Modify for StandardAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            for op in
                [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
            {
                Self::complete(op, path);
            }
        }
    }
}

/// The codes a property of a request body takes, from the domain's own
/// lists, so that the document cannot drift from what the API accepts.
struct CodeLists;

impl CodeLists {
    fn table() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
        use crate::domain::account::Role;
        use crate::domain::agreement::{AgreementKind, SignMethod, SignerRole, TermKind};
        use crate::domain::case::{CaseSource, CaseStatus, DisputeType, PartyRole, RiskLevel};
        use crate::domain::committee::ZoneClass;
        use crate::domain::complaint::{Category, Channel};
        use crate::domain::follow_up::VisitMethod;
        use crate::domain::language::Lang;
        use crate::domain::noise::Position;
        use crate::domain::party::{PartyKind, Sex};
        fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| code(*v)).collect()
        }
        vec![
            ("NewCaseBody", "dispute_type", codes(DisputeType::ALL, DisputeType::code)),
            ("NewCaseBody", "source", codes(CaseSource::ALL, CaseSource::code)),
            ("NewCaseBody", "risk_level", codes(RiskLevel::ALL, RiskLevel::code)),
            ("CaseChangesBody", "risk_level", codes(RiskLevel::ALL, RiskLevel::code)),
            ("PartyBody", "role", codes(PartyRole::ALL, PartyRole::code)),
            ("PartyBody", "kind", codes(PartyKind::ALL, PartyKind::code)),
            ("PartyBody", "sex", codes(Sex::ALL, Sex::code)),
            ("TransitionBody", "to", codes(CaseStatus::ALL, CaseStatus::code)),
            ("NewComplaintBody", "channel", codes(Channel::ALL, Channel::code)),
            ("NewComplaintBody", "category", codes(Category::ALL, Category::code)),
            ("NewMeasurementBody", "position", codes(Position::ALL, Position::code)),
            ("NewMonitorBody", "position", codes(Position::ALL, Position::code)),
            ("TermBody", "kind", codes(TermKind::ALL, TermKind::code)),
            ("TermBody", "position", codes(Position::ALL, Position::code)),
            ("AgreementBody", "kind", codes(AgreementKind::ALL, AgreementKind::code)),
            ("SignatureBody", "role", codes(SignerRole::ALL, SignerRole::code)),
            ("SignatureBody", "method", codes(SignMethod::ALL, SignMethod::code)),
            ("FollowUpBody", "method", codes(VisitMethod::ALL, VisitMethod::code)),
            ("NewSessionBody", "outcome", crate::domain::commands::mediation::OUTCOMES.to_vec()),
            ("NewUserBody", "role", Role::ALL.iter().map(|r| r.code()).collect()),
            ("NewCommitteeBody", "zone_class", ZoneClass::ALL.iter().map(|z| z.code()).collect()),
            ("NewCommitteeBody", "language", Lang::ALL.iter().map(|l| l.code()).collect()),
        ]
    }
}

impl Modify for CodeLists {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        for (schema, property, codes) in Self::table() {
            let Some(RefOr::T(utoipa::openapi::Schema::Object(object))) = components.schemas.get_mut(schema) else {
                continue;
            };
            if let Some(RefOr::T(utoipa::openapi::Schema::Object(p))) = object.properties.get_mut(property) {
                let mut values: Vec<serde_json::Value> = codes.iter().map(|c| serde_json::json!(c)).collect();
                if !object.required.iter().any(|r| r == property) {
                    values.push(serde_json::Value::Null);
                }
                p.enum_values = Some(values);
            }
        }
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Hesheng", description = "Records and documents of community mediation"),
    paths(
        health::health,
        tokens::issue_token,
        tokens::revoke_token,
        committees::create_committee,
        committees::get_committee,
        users::create_user,
        users::list_users,
        complaints::register_complaint,
        complaints::list_complaints,
        complaints::get_complaint,
        complaints::reveal_complaint_contacts,
        complaints::similar_complaints,
        complaints::attach_complaint,
        complaints::detach_complaint,
        cases::register_case,
        cases::list_cases,
        cases::get_case,
        cases::reveal_case_contacts,
        cases::update_case,
        cases::move_case,
        cases::add_party,
        field_work::record_investigation,
        field_work::record_measurement,
        field_work::assess_measurement,
        mediation::record_session,
        mediation::record_meeting,
        mediation::record_referral,
        mediation::legal_library,
        agreements::draft_agreement,
        agreements::get_agreement,
        agreements::edit_agreement,
        agreements::withdraw_agreement,
        agreements::sign_agreement,
        follow_ups::record_follow_up,
        documents::case_document,
        documents::agreement_pdf,
        reports::summary,
        reports::summary_csv,
        reports::summary_pdf,
        privacy::export_party,
        portal_pins::issue_portal_pin,
        monitors::register_monitor,
        monitors::list_monitors,
        monitors::receive_readings,
        monitors::agreement_nights,
        monitors::dismiss_finding,
        monitors::confirm_finding,
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth, &StandardAnswers, &CodeLists)
)]
pub struct ApiDoc;

/// Serves the OpenAPI document.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}
