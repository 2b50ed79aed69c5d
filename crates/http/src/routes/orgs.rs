//! Organizations.

use actix_web::{get, patch, post, web, HttpResponse};
use hamkke_domain::org::{NewOrganization, OrgKind};
use hamkke_persistence::app::access;
use hamkke_persistence::repo::orgs::{self as repo, OrgFilter};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::orgs::{
    CreateOrganizationRequest, ListOrganizationsQuery, OrganizationPage, OrganizationView,
    UpdateOrganizationRequest,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, ValidJson};
use crate::state::AppState;

/// Creates an organization: system administrators; a district's coordinators its dong centres
/// and partner organizations (welfare centres, partner agencies) — district offices are the
/// system administrators'.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    request_body = CreateOrganizationRequest,
    responses((status = 201, description = "Created", body = OrganizationView,
        headers(("ETag" = String, description = "Version of the organization"))))
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateOrganizationRequest>,
) -> ApiResult<HttpResponse> {
    let new = NewOrganization::try_from(body.0)?;
    let org = state
        .db
        .write(auth, "organization", None, move |tx| repo::create(tx, new))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(org.version))
        .insert_header(super::location("organizations", org.id))
        .json(OrganizationView::from(org)))
}

/// Lists the organizations the caller may see: its own district, or all for system administrators.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(ListOrganizationsQuery),
    responses((status = 200, description = "A page of organizations", body = OrganizationPage))
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListOrganizationsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    if let Some(d) = &q.district_code {
        hamkke_domain::org::DistrictCode::parse(d)?;
    }
    let filter = OrgFilter {
        district_code: q.district_code,
        kind: q.kind.map(OrgKind::from),
        sort: q.sort.map(Into::into).unwrap_or_default(),
    };
    let result = state
        .db
        .as_user(auth, "organization", None, move |conn, actor, _| {
            repo::list(conn, actor, &filter, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationPage::from_page(result)))
}

/// One organization.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    responses((status = 200, description = "The organization", body = OrganizationView,
        headers(("ETag" = String, description = "Version of the organization"))))
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let org = state
        .db
        .as_user(
            auth,
            "organization",
            Some(id.to_string()),
            move |c, a, _| repo::get(c, a, id),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(org.version))
        .json(OrganizationView::from(org)))
}

/// Changes an organization (system administrators; a district's coordinators its dong centres
/// and partners: names, hub mappings, activity; an org admin its own name and hub). Needs
/// `If-Match` with the current `ETag`.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Organization id"),
        ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#),
    ),
    request_body = UpdateOrganizationRequest,
    responses(
        (status = 200, description = "Changed", body = OrganizationView,
            headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateOrganizationRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0.into();
    let org = state
        .db
        .write(auth, "organization", Some(id.to_string()), move |tx| {
            access::update_org(tx, id, if_match.0, patch)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(org.version))
        .json(OrganizationView::from(org)))
}
