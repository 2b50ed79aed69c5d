//! Signed webhooks for client apps (organization admins, for their organization).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use hamkke_persistence::repo::webhooks::{self as repo, NewSubscription, SubscriptionPatch};
use uuid::Uuid;

use crate::auth::{AuthUser, Caller};
use crate::dto::webhooks::{
    CreateWebhookRequest, DeliveryPage, DeliveryQuery, DeliveryView, UpdateWebhookRequest,
    WebhookList, WebhookView,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, ValidJson};
use crate::state::AppState;

async fn checked_url(state: &AppState, url: String) -> ApiResult<String> {
    let cfg = state.config.webhooks.clone();
    web::block(move || crate::webhooks::check_url(url.trim(), &cfg).map(|u| u.to_string()))
        .await
        .map_err(|_| ApiError::Internal)?
}

async fn may_manage(state: &AppState, auth: &AuthUser) -> ApiResult<()> {
    state
        .db
        .as_user(auth.clone(), "webhook", None, |_, a, _| {
            hamkke_domain::authz::manage_webhooks(a, a.org_id).map_err(Into::into)
        })
        .await
}

fn names(types: Option<Vec<crate::dto::webhooks::WebhookEventType>>) -> Option<Vec<String>> {
    types.map(|t| {
        let mut v: Vec<String> = t.into_iter().map(|e| e.name()).collect();
        v.sort();
        v.dedup();
        v
    })
}

/// Subscribes the caller's organization to events: 201 with the signing secret (`whsec_…`),
/// shown only here. Deliveries follow the Standard Webhooks specification.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses((status = 201, description = "Subscribed; keep the secret", body = WebhookView))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: ValidJson<CreateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    // Only the organization's admins get as far as the URL check (which resolves the host);
    // a refusal is audited like any other.
    may_manage(&state, &auth).await?;
    let url = checked_url(&state, b.url).await?;
    let secret = crate::webhooks::new_secret();
    let new = NewSubscription {
        url,
        event_types: names(b.event_types),
        description: b.description.map(|d| d.trim().to_owned()),
        secret_sealed: state.person_keys.seal(secret.as_bytes()),
    };
    let sub = state
        .db
        .write(auth, "webhook", None, move |tx| repo::create(tx, new))
        .await?;
    let mut view = WebhookView::from(sub);
    view.secret = Some(secret);
    Ok(HttpResponse::Created()
        .insert_header(etag(view.version))
        .insert_header(super::location("webhooks", view.id))
        .json(view))
}

/// The caller organization's subscriptions.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses((status = 200, description = "Subscriptions", body = WebhookList))
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, auth: Caller) -> ApiResult<HttpResponse> {
    let items = state
        .db
        .as_user(auth, "webhook", None, move |c, a, _| repo::list(c, a))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One subscription.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = WebhookView))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let sub = state
        .db
        .as_user(auth, "webhook", Some(id.to_string()), move |c, a, _| {
            repo::get(c, a, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(sub.version))
        .json(WebhookView::from(sub)))
}

/// Changes a subscription (URL, event types, description, active). Needs `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "Changed", body = WebhookView),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateWebhookRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.0;
    may_manage(&state, &auth).await?;
    let url = match b.url {
        Some(u) => Some(checked_url(&state, u).await?),
        None => None,
    };
    let patch = SubscriptionPatch {
        url,
        event_types: b.event_types.map(names),
        description: b.description.map(|d| d.map(|t| t.trim().to_owned())),
        active: b.active,
    };
    let sub = state
        .db
        .write(auth, "webhook", Some(id.to_string()), move |tx| {
            repo::update(tx, id, if_match.0, patch)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(sub.version))
        .json(WebhookView::from(sub)))
}

/// Removes a subscription and its deliveries.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 204, description = "Removed"))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    state
        .db
        .write(auth, "webhook", Some(id.to_string()), move |tx| {
            repo::delete(tx, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's deliveries, newest first.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryQuery),
    responses((status = 200, description = "A page of deliveries", body = DeliveryPage))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let result = state
        .db
        .as_user(auth, "webhook", Some(id.to_string()), move |c, a, _| {
            repo::deliveries(c, a, id, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryPage::from_page(result)))
}

/// Sends a delivery again (same `webhook-id` and payload, after the subscription's others).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), ("delivery_id" = Uuid, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = DeliveryView))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn create_webhook_redelivery(
    state: web::Data<AppState>,
    auth: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let d = state
        .db
        .write(auth, "webhook", Some(id.to_string()), move |tx| {
            repo::redeliver(tx, id, delivery)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(d)))
}

/// Queues a `webhook.test` delivery to the subscription.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 202, description = "Queued", body = DeliveryView))
)]
#[post("/webhooks/{id}/test")]
pub async fn create_webhook_test(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let d = state
        .db
        .write(auth, "webhook", Some(id.to_string()), move |tx| {
            repo::test(tx, id)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(d)))
}
