//! The actix-web application: routes, extractor configuration, middleware, docs.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{http::header, web, App, HttpRequest, HttpResponse};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::ApiError;
use crate::extract::{json_error, path_error, query_error};
use crate::idempotency::idempotency;
use crate::middleware::{authenticate, check_query, observe};
use crate::openapi::{finalize, ApiDoc, RouteTable};
use crate::routes::{self, dashboard};
use crate::state::AppState;

/// Where the contract is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

fn routed() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::ops)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(routes::api)
                .route("/openapi.json", web::get().to(serve_openapi)),
        )
        .split_for_parts();
    (app, finalize(doc))
}

/// The OpenAPI document, exactly as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routed().1
}

fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-access-purpose"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("ratelimit"),
            header::HeaderName::from_static("ratelimit-policy"),
            header::CONTENT_LANGUAGE,
        ])
        .max_age(3600);
    for origin in &config.cors_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed { allow },
        None => ApiError::NotFound,
    })
}

/// The document as served, computed once per worker.
struct ServedDoc(utoipa::openapi::OpenApi);

async fn serve_openapi(doc: web::Data<ServedDoc>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.0)
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Builds the application around shared state.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = routed();
    let limit = state.config.json_limit_bytes;
    let cors = cors(&state.config);
    let table = RouteTable::from_doc(&doc);
    let numbers = crate::openapi::QueryNumbers::from_doc(&doc);
    app.app_data(web::Data::new(table))
        .app_data(web::Data::new(numbers))
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(
            web::JsonConfig::default()
                .limit(limit)
                .error_handler(json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::Data::new(ServedDoc(doc)))
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from(OPENAPI_PATH)),
        )
        .route("/docs", web::get().to(docs_redirect))
        .route("/dashboard", web::get().to(dashboard::dashboard_redirect))
        .route(
            "/dashboard/{file:.*}",
            web::get().to(dashboard::dashboard_asset),
        )
        .default_service(web::to(fallback))
        .wrap(from_fn(check_query))
        .wrap(from_fn(idempotency))
        .wrap(from_fn(authenticate))
        .wrap(cors)
        .wrap(from_fn(crate::middleware::localize))
        .wrap(from_fn(observe))
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;
    use actix_web::test;

    /// Every operation of the contract reaches its own route: actix tries the routes in the
    /// order they are registered, so a route moved ahead (`routes::api`'s hot paths) must not
    /// take another route's path and method. Each parameter gets a value of its own, and the
    /// route that answered must have captured exactly those; the handlers then fail for want
    /// of the server's state, which is not needed to tell where a request went.
    #[actix_web::test]
    async fn every_operation_reaches_its_own_route() {
        let (app, doc) = super::routed();
        let app = test::init_service(app).await;
        let mut tried = 0;
        for (template, item) in &doc.paths.paths {
            let methods = [
                (Method::GET, item.get.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::DELETE, item.delete.is_some()),
                (Method::PATCH, item.patch.is_some()),
            ];
            for (method, _) in methods.into_iter().filter(|(_, present)| *present) {
                let mut expected = Vec::new();
                let path = template
                    .split('/')
                    .map(|segment| match segment.strip_prefix('{') {
                        Some(name) => {
                            let value = format!("0194f3a0-0000-7000-8000-{:012}", expected.len());
                            expected.push((name.trim_end_matches('}').to_owned(), value.clone()));
                            value
                        }
                        None => segment.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let req = test::TestRequest::default()
                    .method(method.clone())
                    .uri(&path)
                    .to_request();
                let res = test::call_service(&app, req).await;
                assert_ne!(res.status(), 404, "{method} {template} reached no route");
                let captured: Vec<(String, String)> = res
                    .request()
                    .match_info()
                    .iter()
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect();
                assert_eq!(
                    captured, expected,
                    "{method} {template} reached another route"
                );
                tried += 1;
            }
        }
        assert!(tried > 100, "only {tried} operations tried");
    }
}
