//! Routes by resource. Handlers only translate: DTO -> domain command -> repository -> DTO.

pub mod auth;
pub mod ops;
pub mod orgs;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every `/api/v1` operation.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(auth::create_token)
        .service(auth::refresh_token)
        .service(auth::logout)
        .service(auth::get_me)
        .service(orgs::create_organization)
        .service(orgs::list_organizations)
        .service(orgs::get_organization)
        .service(orgs::update_organization)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::update_user);
}

/// Registers the operational endpoints (outside `/api/v1`).
pub fn ops(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics);
}
