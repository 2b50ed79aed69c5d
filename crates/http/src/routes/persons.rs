//! Households, persons and consents.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use hamkke_domain::person::{NewPerson, PersonPatch, PersonView};
use hamkke_persistence::repo::households::HouseholdPatch;
use hamkke_persistence::repo::persons::PersonSearch;
use hamkke_persistence::repo::{consents, households, persons};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::common::{all_named, named, names_of, FromNamed};
use crate::dto::persons::{
    ConsentList, ConsentView, CreateConsentRequest, CreateHouseholdRequest, CreatePersonQuery,
    CreatePersonRequest, HouseholdPage, HouseholdView, OnPossibleDuplicate, PersonDto, PersonPage,
    RevokeConsentRequest, SearchPersonsQuery, SelfRecordedQuery, UpdateHouseholdRequest,
    UpdatePersonRequest,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, ValidJson};
use crate::state::AppState;
use hamkke_persistence::repo::names::Names;

fn person_response(
    status: actix_web::http::StatusCode,
    (view, names): (PersonView, Names),
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    if let PersonView::Full(p) = &view {
        res.insert_header(etag(p.version));
    }
    res.json(PersonDto::named(view, &names))
}

/// Registers a household.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    request_body = CreateHouseholdRequest,
    responses((status = 201, description = "Created", body = HouseholdView, headers(("ETag" = String, description = "Version"))))
)]
#[post("/households")]
pub async fn create_household(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateHouseholdRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.0.into();
    let h = state
        .db
        .write(auth, "household", None, move |tx| {
            households::create(tx, new)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(h.0.version))
        .insert_header(super::location("households", h.0.id))
        .json(HouseholdView::from(h)))
}

/// Households the caller's organization registered.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(crate::dto::cases::PageQuery),
    responses((status = 200, description = "A page of households", body = HouseholdPage))
)]
#[get("/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<crate::dto::cases::PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let result = state
        .db
        .as_user(auth, "household", None, move |c, actor, _| {
            households::list(c, actor, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(HouseholdPage::from_page(result)))
}

/// One household with its members as the caller may see them.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Household id")),
    responses((status = 200, description = "The household", body = HouseholdView, headers(("ETag" = String, description = "Version"))))
)]
#[get("/households/{id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let h = state
        .db
        .read(auth, "household", Some(id.to_string()), move |rx| {
            households::get(rx, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(h.0.version))
        .json(HouseholdView::from(h)))
}

/// Changes a household. Needs `If-Match`.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Household id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdateHouseholdRequest,
    responses(
        (status = 200, description = "Changed", body = HouseholdView, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/households/{id}")]
pub async fn update_household(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateHouseholdRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = HouseholdPatch::try_from(body.0)?;
    let h = state
        .db
        .write(auth, "household", Some(id.to_string()), move |tx| {
            households::update(tx, id, if_match.0, patch)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(h.0.version))
        .json(HouseholdView::from(h)))
}

/// Registers a person. The RRN is stored only encrypted; registering one that exists answers
/// 409 `person_already_registered` with the existing `person_id`. Without an RRN, the answer
/// lists `possible_duplicates` of the district (masked name, birth year, registering
/// organization, score and reasons), which are queued for the coordinators' review; with
/// `?on_possible_duplicate=refuse` they answer 409 `possible_duplicate_person` instead and
/// nothing is registered.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(CreatePersonQuery),
    request_body = CreatePersonRequest,
    responses(
        (status = 201, description = "Registered", body = PersonDto, headers(("ETag" = String, description = "Version"))),
        (status = 409, description = "Already registered (`person_id` names the existing person), or possible duplicates with `on_possible_duplicate=refuse`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/persons")]
pub async fn create_person(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<CreatePersonQuery>,
    body: ValidJson<CreatePersonRequest>,
) -> ApiResult<HttpResponse> {
    let refuse = query.on_possible_duplicate == Some(OnPossibleDuplicate::Refuse);
    let new = NewPerson::try_from(body.0)?;
    let keys = state.person_keys.clone();
    let ((view, found), names) = state
        .db
        .write(auth, "person", None, move |tx| {
            let (view, found) = hamkke_persistence::app::persons::register(tx, &keys, new, refuse)?;
            let (c, a, _) = tx.parts();
            let names = names_of(c, a, &view)?;
            Ok(((view, found), names))
        })
        .await?;
    let mut res = HttpResponse::build(actix_web::http::StatusCode::CREATED);
    if let PersonView::Full(p) = &view {
        res.insert_header(etag(p.version));
    }
    let mut dto = PersonDto::named(view, &names);
    dto.possible_duplicates = Some(found.into_iter().map(Into::into).collect());
    res.insert_header(super::location("persons", dto.id));
    Ok(res.json(dto))
}

/// Searches persons of the caller's district by name prefix, exact RRN (`q`) and/or birth
/// date. Each result is full or redacted as the caller may see it; a person the caller may
/// see only redacted is found only by exact RRN or by exact full name with `birth_date`, so a
/// search never unmasks a name. An exact RRN registered in another district answers only
/// that district (`registered_elsewhere`). Rate-limited per user.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(SearchPersonsQuery),
    responses(
        (status = 200, description = "Matching persons", body = PersonPage),
        (status = 429, description = "Too many searches", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons")]
pub async fn list_persons(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<SearchPersonsQuery>,
) -> ApiResult<HttpResponse> {
    crate::ratelimit::take(&req, "search", 60, &state.search_limiter, &auth.user_id())?;
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let search = PersonSearch {
        q: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        birth_date: q.birth_date,
    };
    if search.q.is_none() && search.birth_date.is_none() {
        return Err(ApiError::field(
            "q",
            "required",
            "give a name prefix, an RRN or a birth date",
        ));
    }
    if search.q.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::field("q", "length", "at most 100 characters"));
    }
    let keys = state.person_keys.clone();
    let result = state
        .db
        .read(auth, "person", None, move |rx| {
            persons::search(rx, &keys, &search, page).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(PersonPage::named(result.0, &result.1)))
}

/// One person, full or redacted as the caller may see them. Every read is audited. A record
/// merged into another answers 308 with `Location` of the survivor.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person", body = PersonDto),
        (status = 308, description = "Merged into the person at `Location`", headers(("Location" = String, description = "The surviving record"))),
    )
)]
#[get("/persons/{id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db
        .read(
            auth,
            "person",
            Some(id.to_string()),
            move |rx| match persons::get(rx, id)? {
                persons::Found::Person(view) => {
                    let (c, a, _) = rx.parts();
                    let names = names_of(c, a, view.as_ref())?;
                    Ok(Ok((*view, names)))
                }
                persons::Found::MergedInto(survivor) => Ok(Err(survivor)),
            },
        )
        .await?;
    match view {
        Ok(view) => Ok(person_response(actix_web::http::StatusCode::OK, view)),
        Err(survivor) => Ok(HttpResponse::PermanentRedirect()
            .insert_header(("Location", format!("/api/v1/persons/{survivor}")))
            .finish()),
    }
}

/// Changes a person's record (organizations with details rights). Needs `If-Match`.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Person id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdatePersonRequest,
    responses(
        (status = 200, description = "Changed", body = PersonDto, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/persons/{id}")]
pub async fn update_person(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdatePersonRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = PersonPatch::try_from(body.0)?;
    let view = state
        .db
        .write(auth, "person", Some(id.to_string()), move |tx| {
            persons::update(tx, id, if_match.0, patch).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(person_response(actix_web::http::StatusCode::OK, view))
}

/// Records a consent for a person (the registering or a participating organization).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = CreateConsentRequest,
    responses((status = 201, description = "Recorded", body = ConsentView))
)]
#[post("/persons/{id}/consents")]
pub async fn create_consent(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateConsentRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let new = body.0.into();
    let c = state
        .db
        .write(auth, "consent", None, move |tx| {
            consents::create(tx, id, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ConsentView::named(c.0, &c.1)))
}

/// A person's consents (organizations with details rights).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Consents, oldest first", body = ConsentList))
)]
#[get("/persons/{id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .read(auth, "consent", Some(id.to_string()), move |rx| {
            consents::list(rx, id).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsentList {
        items: all_named(items),
    }))
}

/// Consents organizations recorded for themselves (`self_recorded`), newest first, for review:
/// a coordinator sees the district's, a registering organization those of the persons it
/// registered. Live ones unless `include_closed=true`.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(SelfRecordedQuery),
    responses((status = 200, description = "Self-recorded consents, newest first (at most 500)", body = ConsentList))
)]
#[get("/consents/self-recorded")]
pub async fn list_self_recorded_consents(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<SelfRecordedQuery>,
) -> ApiResult<HttpResponse> {
    let include_closed = query.include_closed.unwrap_or(false);
    let items = state
        .db
        .as_user(auth, "consent", None, move |c, a, _| {
            consents::self_recorded(c, a, include_closed, 500).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsentList {
        items: all_named(items),
    }))
}

/// Revokes a consent an organization recorded for itself: the registering organization or a
/// district coordinator, with a reason. Access it granted ends with the next request; the
/// recording organization is told.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Consent id")),
    request_body = RevokeConsentRequest,
    responses(
        (status = 200, description = "Revoked", body = ConsentView),
        (status = 409, description = "Already withdrawn, or not self-recorded", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consents/{id}/revoke")]
pub async fn revoke_consent(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<RevokeConsentRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let reason = body.0.reason.trim().to_owned();
    let c = state
        .db
        .write(auth, "consent", Some(id.to_string()), move |tx| {
            consents::revoke(tx, id, &reason).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsentView::named(c.0, &c.1)))
}

/// Withdraws a consent; access it granted ends with the next request.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Consent id")),
    responses(
        (status = 200, description = "Withdrawn", body = ConsentView),
        (status = 409, description = "Already withdrawn", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consents/{id}/withdraw")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let c = state
        .db
        .write(auth, "consent", Some(id.to_string()), move |tx| {
            consents::withdraw(tx, id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConsentView::named(c.0, &c.1)))
}
