//! User accounts.

use actix_web::{get, patch, post, web, HttpResponse};
use hamkke_domain::password;
use hamkke_domain::user::{NewUser, Role, UserPatch, Username};
use hamkke_persistence::app::access;
use hamkke_persistence::repo::users::{self as repo, UserFilter};
use uuid::Uuid;

use crate::auth::{hash_password, AuthUser, Caller};
use crate::dto::common::{named, FromNamed};
use crate::dto::users::{CreateUserRequest, ListUsersQuery, UpdateUserRequest, UserPage, UserView};
use crate::error::{ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, ValidJson};
use crate::state::AppState;

/// Creates a user. System administrators anywhere; org admins only in their own organization
/// and never as system_admin, coordinator or auditor. Without `password` the answer carries a
/// one-time `activation_code` (valid 72 hours) for the user; the first accounts of an
/// organization must be created so.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView,
            headers(("ETag" = String, description = "Version of the user"))),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: ValidJson<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let r = body.0;
    let username = Username::parse(&r.username)?;
    // With a password, its hash; without, the hash of a random secret nobody knows and a
    // one-time code for the user.
    let (secret, code) = match &r.password {
        Some(p) => {
            password::check(p, username.as_str())?;
            (p.clone(), None)
        }
        None => (
            crate::auth::random_secret(),
            Some(crate::auth::activation_code()),
        ),
    };
    let password_hash = web::block(move || hash_password(&secret))
        .await
        .map_err(|_| crate::error::ApiError::Internal)??;
    let until = hamkke_domain::now() + chrono::Duration::hours(72);
    let new = NewUser {
        username,
        display_name: r.display_name.trim().to_owned(),
        password_hash,
        org_id: r.org_id,
        role: r.role.into(),
        activation: code
            .as_deref()
            .map(|c| (crate::auth::activation_hash(c), until)),
    };
    let user = state
        .db
        .write(auth, "user", None, move |tx| {
            repo::create(tx, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    let mut view = UserView::named(user.0, &user.1);
    if code.is_some() {
        view.activation_expires_at = Some(until);
    }
    view.activation_code = code;
    Ok(HttpResponse::Created()
        .insert_header(etag(view.version))
        .insert_header(super::location("users", view.id))
        .json(view))
}

/// Lists the users the caller may see.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(ListUsersQuery),
    responses((status = 200, description = "A page of users", body = UserPage))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListUsersQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let filter = UserFilter {
        org_id: q.org_id,
        role: q.role.map(Role::from),
        active: q.active,
        sort: q.sort.map(Into::into).unwrap_or_default(),
    };
    let result = state
        .db
        .as_user(auth, "user", None, move |conn, actor, _| {
            repo::list(conn, actor, &filter, page).and_then(|v| named(conn, actor, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserPage::named(result.0, &result.1)))
}

/// One user.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserView,
        headers(("ETag" = String, description = "Version of the user"))))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let user = state
        .db
        .as_user(auth, "user", Some(id.to_string()), move |c, a, _| {
            repo::get(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.0.version))
        .json(UserView::named(user.0, &user.1)))
}

/// Changes a user: display name, role, organization (transfer), activity or password.
/// Needs `If-Match`. Changing access ends the user's sessions at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "User id"),
        ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#),
    ),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Changed", body = UserView,
            headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateUserRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = body.0;
    let own = id == auth.actor.user_id;
    for (field, value, max) in [
        ("work_phone", &r.work_phone, 30),
        ("work_email", &r.work_email, 200),
    ] {
        if let Some(Some(v)) = value {
            if v.trim().is_empty() || v.chars().count() > max {
                return Err(crate::error::ApiError::field(
                    field,
                    "length",
                    format!("1 to {max} characters"),
                ));
            }
        }
    }
    if r.current_password.is_some() && (r.password.is_none() || !own) {
        return Err(crate::error::ApiError::field(
            "current_password",
            "not_allowed",
            "only with a new password for one's own account",
        ));
    }
    if own && r.password.is_some() {
        // A stolen access token must not become a permanent takeover: changing one's own
        // password needs the current one.
        let Some(current) = r.current_password.clone() else {
            return Err(crate::error::ApiError::field(
                "current_password",
                "required",
                "give the current password to set a new one",
            ));
        };
        let uid = id;
        let stored = state
            .db
            .run(move |c| hamkke_persistence::repo::auth::password_hash(c, uid))
            .await?;
        let ok = web::block(move || crate::auth::verify_password(&stored, &current))
            .await
            .map_err(|_| crate::error::ApiError::Internal)?;
        if !ok {
            return Err(crate::error::ApiError::Forbidden {
                detail: "the current password is not correct".into(),
                who: None,
            });
        }
    }
    let password_hash = match r.password {
        None => None,
        Some(pw) => {
            // The policy's username check needs the stored username.
            let (a, uid) = (auth.actor.clone(), id);
            let target = state.db.run(move |conn| repo::get(conn, &a, uid)).await?;
            password::check(&pw, &target.username)?;
            Some(
                web::block(move || hash_password(&pw))
                    .await
                    .map_err(|_| crate::error::ApiError::Internal)??,
            )
        }
    };
    let patch = UserPatch {
        display_name: r.display_name.map(|d| d.trim().to_owned()),
        role: r.role.map(Role::from),
        org_id: r.org_id,
        active: r.active,
        password_hash,
        work_phone: r.work_phone,
        work_email: r.work_email,
        session_id: auth.session_id,
    };
    let user = state
        .db
        .write(auth, "user", Some(id.to_string()), move |tx| {
            access::update_user(tx, id, if_match.0, patch).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.0.version))
        .json(UserView::named(user.0, &user.1)))
}

/// Hands every active case assignment of a transferred worker (인사발령) to a successor of the
/// same organization, in one transaction, with the note on each case's timeline.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The departing user")),
    request_body = crate::dto::cases::HandoverRequest,
    responses((status = 200, description = "Moved", body = crate::dto::cases::HandoverResult))
)]
#[post("/users/{id}/handover")]
pub async fn create_user_handover(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<crate::dto::cases::HandoverRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let crate::dto::cases::HandoverRequest {
        successor_user_id,
        note,
    } = body.0;
    let moved = state
        .db
        .write(auth, "user", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::handover::handover(tx, id, successor_user_id, &note)
        })
        .await?;
    Ok(HttpResponse::Ok().json(crate::dto::cases::HandoverResult {
        moved_assignments: moved.assignments,
        moved_action_items: moved.action_items,
        moved_meetings: moved.meetings,
    }))
}
