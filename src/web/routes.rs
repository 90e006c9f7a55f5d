//! The one route table: every route of the application as data (method,
//! full path, handler), from which the router is built. Anything that must
//! know the routes (the access matrix, the OpenAPI check) reads this table,
//! so a route cannot be served without being listed here.

use actix_web::http::Method;
use actix_web::{Route, web};

use crate::web::api::agreements;

use crate::web::ui::assets;

use crate::web::api::cases;

use crate::web::api::committees as committee_api;

use crate::web::api::complaints;

use crate::web::api::documents;

use crate::web::api::field_work;

use crate::web::api::follow_ups;

use crate::web::api::health;

use crate::web::ui::language;

use crate::web::ui::login;

use crate::web::api::mediation;

use crate::web::api::monitors;

use crate::web::api::openapi;

use crate::web::api::portal_pins;

use crate::web::api::privacy;

use crate::web::api::reports;

use crate::web::api::tokens;

use crate::web::ui;

use crate::web::api::users;

use crate::web::ui::verify;

/// The prefix of the JSON API; its routes are matched within one scope.
pub const API_PREFIX: &str = "/api/v1";

/// One route of the table.
pub struct RouteDef {
    /// The HTTP method.
    pub method: Method,
    /// The full path template, e.g. `/api/v1/cases/{id}`.
    pub path: &'static str,
    make: fn() -> Route,
}

macro_rules! table {
    ($($method:ident $path:literal => $handler:path,)*) => {
        vec![$(RouteDef {
            method: Method::$method,
            path: $path,
            make: || web::method(Method::$method).to($handler),
        }),*]
    };
}

/// Every route, in the order the router tries them: the API first (its
/// requests are the most frequent, and its scope is matched on its prefix
/// before any of its routes), then the pages.
pub fn table() -> Vec<RouteDef> {
    table! {
        GET "/healthz" => health::health,
        GET "/assets/{name}" => assets::asset,
        GET "/api/v1/openapi.json" => openapi::openapi_json,
        POST "/api/v1/auth/token" => tokens::issue_token,
        DELETE "/api/v1/auth/token" => tokens::revoke_token,
        POST "/api/v1/committees" => committee_api::create_committee,
        GET "/api/v1/committees/{id}" => committee_api::get_committee,
        GET "/api/v1/users" => users::list_users,
        POST "/api/v1/users" => users::create_user,
        GET "/api/v1/complaints" => complaints::list_complaints,
        POST "/api/v1/complaints" => complaints::register_complaint,
        GET "/api/v1/complaints/{id}" => complaints::get_complaint,
        POST "/api/v1/complaints/{id}/contacts" => complaints::reveal_complaint_contacts,
        GET "/api/v1/complaints/{id}/similar" => complaints::similar_complaints,
        GET "/api/v1/cases" => cases::list_cases,
        POST "/api/v1/cases" => cases::register_case,
        GET "/api/v1/cases/{id}" => cases::get_case,
        PATCH "/api/v1/cases/{id}" => cases::update_case,
        POST "/api/v1/cases/{id}/contacts" => cases::reveal_case_contacts,
        POST "/api/v1/cases/{id}/transitions" => cases::move_case,
        POST "/api/v1/cases/{id}/parties" => cases::add_party,
        POST "/api/v1/cases/{id}/complaints" => complaints::attach_complaint,
        DELETE "/api/v1/cases/{id}/complaints/{complaint_id}" => complaints::detach_complaint,
        POST "/api/v1/cases/{id}/investigations" => field_work::record_investigation,
        POST "/api/v1/cases/{id}/measurements" => field_work::record_measurement,
        POST "/api/v1/measurements/assess" => field_work::assess_measurement,
        POST "/api/v1/cases/{id}/sessions" => mediation::record_session,
        POST "/api/v1/cases/{id}/meetings" => mediation::record_meeting,
        POST "/api/v1/cases/{id}/referrals" => mediation::record_referral,
        POST "/api/v1/cases/{id}/agreements" => agreements::draft_agreement,
        GET "/api/v1/agreements/{id}" => agreements::get_agreement,
        PATCH "/api/v1/agreements/{id}" => agreements::edit_agreement,
        GET "/api/v1/agreements/{id}/pdf" => documents::agreement_pdf,
        GET "/api/v1/cases/{id}/documents/{kind}" => documents::case_document,
        POST "/api/v1/agreements/{id}/signatures" => agreements::sign_agreement,
        POST "/api/v1/agreements/{id}/withdraw" => agreements::withdraw_agreement,
        POST "/api/v1/agreements/{id}/follow-ups" => follow_ups::record_follow_up,
        GET "/api/v1/legal-references" => mediation::legal_library,
        GET "/api/v1/reports/summary" => reports::summary,
        GET "/api/v1/reports/summary.csv" => reports::summary_csv,
        GET "/api/v1/reports/summary.pdf" => reports::summary_pdf,
        GET "/api/v1/parties/{id}/export" => privacy::export_party,
        POST "/api/v1/parties/{id}/portal-pin" => portal_pins::issue_portal_pin,
        GET "/api/v1/monitors" => monitors::list_monitors,
        POST "/api/v1/monitors" => monitors::register_monitor,
        POST "/api/v1/monitors/{id}/readings" => monitors::receive_readings,
        GET "/api/v1/agreements/{id}/nights" => monitors::agreement_nights,
        POST "/api/v1/night-findings/{id}/dismiss" => monitors::dismiss_finding,
        POST "/api/v1/night-findings/{id}/confirm" => monitors::confirm_finding,
        GET "/" => ui::dashboard::dashboard,
        GET "/complaints" => ui::complaints::list_complaints,
        POST "/complaints" => ui::complaints::create_complaint,
        GET "/complaints/new" => ui::complaints::new_complaint,
        GET "/complaints/{id}" => ui::complaints::show_complaint,
        GET "/cases" => ui::cases::list_cases,
        POST "/cases" => ui::cases::create_case_form,
        GET "/cases/new" => ui::cases::new_case,
        GET "/cases/{id}" => ui::cases::show_case,
        POST "/cases/{id}/move" => ui::cases::move_case,
        POST "/cases/{id}/parties" => ui::cases::add_party,
        POST "/cases/{id}/flags" => ui::cases::set_flags,
        POST "/cases/{id}/contacts" => ui::cases::reveal_contacts,
        POST "/cases/{id}/receipts" => ui::receipts::print_receipts,
        POST "/cases/{id}/complaints/{complaint_id}/detach" => ui::cases::detach_complaint,
        GET "/cases/{id}/agreements/new" => ui::agreements::new_agreement,
        POST "/cases/{id}/agreements" => ui::agreements::create_agreement_form,
        GET "/agreements/{id}" => ui::agreements::show_agreement,
        GET "/agreements/{id}/edit" => ui::agreements::edit_agreement,
        POST "/agreements/{id}/edit" => ui::agreements::update_agreement,
        POST "/agreements/{id}/withdraw" => ui::agreements::withdraw_agreement,
        GET "/agreements/{id}/sign" => ui::agreements::show_sign,
        POST "/agreements/{id}/sign" => ui::agreements::sign,
        GET "/agreements/{id}/follow-ups/new" => ui::agreements::new_follow_up,
        POST "/agreements/{id}/follow-ups" => ui::agreements::create_follow_up,
        GET "/cases/{id}/{kind}/new" => ui::records::new_record,
        POST "/cases/{id}/{kind}" => ui::records::create_record,
        GET "/portal/login" => ui::portal::login_form,
        POST "/portal/login" => ui::portal::login,
        POST "/portal/logout" => ui::portal::logout,
        POST "/portal/large-type" => ui::portal::toggle_large_type,
        GET "/portal" => ui::portal::home,
        GET "/portal/cases/{id}" => ui::portal::show_case,
        GET "/portal/agreements/{id}/pdf" => ui::portal::agreement_pdf,
        POST "/portal/agreements/{id}/feedback" => ui::portal::feedback,
        GET "/admin" => ui::admin::show_users,
        POST "/admin/users" => ui::admin::create_user,
        POST "/admin/users/{id}/active" => ui::admin::set_active,
        GET "/admin/committee" => ui::admin::show_committee,
        POST "/admin/committee" => ui::admin::save_committee,
        POST "/admin/committee/seal" => ui::admin::upload_seal,
        POST "/admin/committee/seal/remove" => ui::admin::remove_seal,
        GET "/admin/committee/seal.png" => ui::admin::seal_image,
        GET "/reports" => ui::reports::show_reports,
        GET "/monitors" => ui::monitors::show_monitors,
        POST "/monitors" => ui::monitors::register_monitor,
        GET "/monitors/{id}/nights/{night}" => ui::nights::show_night,
        POST "/night-findings/{id}/confirm" => ui::nights::confirm_finding,
        POST "/night-findings/{id}/dismiss" => ui::nights::dismiss_finding,
        GET "/print" => ui::print_queue::show_queue,
        POST "/print/requests" => ui::print_queue::request_print,
        POST "/print/batch" => ui::print_queue::start_batch,
        GET "/print/jobs/{id}" => ui::print_queue::show_job,
        GET "/print/jobs/{id}/pdf" => ui::print_queue::job_pdf,
        GET "/print/register" => ui::print_queue::show_register,
        POST "/complaints/{id}/attach" => ui::complaints::attach_complaint,
        GET "/login" => login::login_form,
        POST "/login" => login::login,
        POST "/logout" => login::logout,
        POST "/language" => language::switch_language,
        GET "/verify" => verify::verify_form,
        POST "/verify" => verify::verify_upload,
        GET "/verify/lookup" => verify::lookup,
        GET "/verify/{code}" => verify::verify_code,
    }
}

/// Registers the table: the API's routes within one scope, a resource per
/// path in the table's order.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let (api, pages): (Vec<RouteDef>, Vec<RouteDef>) = table()
        .into_iter()
        .partition(|r| r.path.starts_with(API_PREFIX) && r.path[API_PREFIX.len()..].starts_with('/'));
    // The health check and the assets come before the API, as cheap as
    // they are frequent.
    let (early, pages): (Vec<RouteDef>, Vec<RouteDef>) =
        pages.into_iter().partition(|r| r.path == "/healthz" || r.path.starts_with("/assets/"));
    for resource in resources(early, "") {
        cfg.service(resource);
    }
    let mut scope = web::scope(API_PREFIX);
    for resource in resources(api, API_PREFIX) {
        scope = scope.service(resource);
    }
    cfg.service(scope);
    for resource in resources(pages, "") {
        cfg.service(resource);
    }
}

/// One resource per path (its routes in table order), in the order of the
/// paths' first appearance, with `prefix` taken off the paths.
fn resources(routes: Vec<RouteDef>, prefix: &str) -> Vec<actix_web::Resource> {
    let mut grouped: Vec<(&'static str, Vec<RouteDef>)> = Vec::new();
    for route in routes {
        match grouped.iter_mut().find(|(path, _)| *path == route.path) {
            Some((_, list)) => list.push(route),
            None => grouped.push((route.path, vec![route])),
        }
    }
    grouped
        .into_iter()
        .map(|(path, list)| {
            list.into_iter().fold(web::resource(&path[prefix.len()..]), |resource, r| resource.route((r.make)()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_method_and_path_is_listed_once() {
        let routes = table();
        let unique: BTreeSet<(String, &str)> = routes.iter().map(|r| (r.method.to_string(), r.path)).collect();
        assert_eq!(unique.len(), routes.len());
        assert!(routes.iter().all(|r| r.path.starts_with('/')));
    }
}
