//! `GET /api/v1/openapi.json`, generated from the handlers.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    agreements, cases, committees, complaints, documents, field_work, follow_ups, health, mediation, portal_pins,
    privacy, reports, tokens, users,
};

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
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Serves the OpenAPI document.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}
