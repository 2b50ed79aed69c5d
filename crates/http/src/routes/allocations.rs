//! The resource catalogue, the shared ledger and the duplicate check.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use hamkke_persistence::repo::allocations::{self as repo, LedgerFilter, NewAllocation, Outcome};
use hamkke_persistence::repo::benefit_types::{self, BenefitTypeFilter};
use hamkke_persistence::repo::resources;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{AuthUser, Caller};
use crate::dto::allocations::{
    wants_english, AllocationPage, AllocationView, CancelAllocationRequest, CheckView,
    ConflictView, CreateAllocationRequest, CreateResourceRequest, ListAllocationsQuery,
    ListResourcesQuery, ResourcePage, ResourceView, UpdateResourceRequest,
};
use crate::dto::attachments::DeliverRequest;
use crate::dto::benefit_types::{
    BenefitTypePage, BenefitTypeView, CreateBenefitTypeRequest, ListBenefitTypesQuery,
    UpdateBenefitTypeRequest,
};
use crate::dto::common::{named, names_of, FromNamed};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, OptionalJson, ValidJson};
use crate::state::AppState;
use hamkke_persistence::repo::names::Names;

/// Adds a resource to the district's catalogue under one of its benefit types.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    request_body = CreateResourceRequest,
    responses((status = 201, description = "Added", body = ResourceView, headers(("ETag" = String, description = "Version"))))
)]
#[post("/resources")]
pub async fn create_resource(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateResourceRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.0.into();
    let r = state
        .db
        .write(auth, "resource", None, move |tx| resources::create(tx, new))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(r.version))
        .insert_header(super::location("resources", r.id))
        .json(ResourceView::from(r)))
}

/// The district's resource catalogue.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(ListResourcesQuery),
    responses((status = 200, description = "A page of resources", body = ResourcePage))
)]
#[get("/resources")]
pub async fn list_resources(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListResourcesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let category = q.category.map(Into::into);
    let result = state
        .db
        .as_user(auth, "resource", None, move |c, actor, _| {
            resources::list(c, actor, category, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ResourcePage::from_page(result)))
}

/// One resource.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resource id")),
    responses((status = 200, description = "The resource", body = ResourceView, headers(("ETag" = String, description = "Version"))))
)]
#[get("/resources/{id}")]
pub async fn get_resource(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = state
        .db
        .as_user(auth, "resource", Some(id.to_string()), move |c, a, _| {
            resources::get(c, a, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(r.version))
        .json(ResourceView::from(r)))
}

/// Changes a resource (its creating organization or a district coordinator). Needs `If-Match`.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resource id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdateResourceRequest,
    responses(
        (status = 200, description = "Changed", body = ResourceView, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/resources/{id}")]
pub async fn update_resource(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateResourceRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0.into();
    let r = state
        .db
        .write(auth, "resource", Some(id.to_string()), move |tx| {
            resources::update(tx, id, if_match.0, patch)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(r.version))
        .json(ResourceView::from(r)))
}

/// Adds a benefit type with its duplicate policy to the district's catalogue (district
/// coordinators). New policies count by benefit type; group types to limit them together.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    request_body = CreateBenefitTypeRequest,
    responses(
        (status = 201, description = "Added", body = BenefitTypeView, headers(("ETag" = String, description = "Version"))),
        (status = 409, description = "The district already has this code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/benefit-types")]
pub async fn create_benefit_type(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateBenefitTypeRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.0.try_into()?;
    let t = state
        .db
        .write(auth, "benefit_type", None, move |tx| {
            let t = benefit_types::create(tx, new)?;
            let (c, a, _) = tx.parts();
            let members =
                benefit_types::group_members(c, a, &t.group.iter().cloned().collect::<Vec<_>>())?;
            Ok((t, members))
        })
        .await?;
    let (t, members) = t;
    Ok(HttpResponse::Created()
        .insert_header(etag(t.version))
        .insert_header(super::location("benefit-types", t.id))
        .json(BenefitTypeView::with_effects(t, &members)))
}

/// The district's benefit-type catalogue (every organization of the district reads it).
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(ListBenefitTypesQuery),
    responses((status = 200, description = "A page of benefit types", body = BenefitTypePage))
)]
#[get("/benefit-types")]
pub async fn list_benefit_types(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListBenefitTypesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    if let Some(g) = &q.group {
        hamkke_domain::benefit::check_code("group", g, 40)
            .map_err(|v| hamkke_domain::DomainError::Invalid(vec![v]))?;
    }
    let filter = BenefitTypeFilter {
        category: q.category.map(Into::into),
        group: q.group,
        active: q.active,
    };
    let result = state
        .db
        .as_user(auth, "benefit_type", None, move |c, actor, _| {
            let page = benefit_types::list(c, actor, &filter, page)?;
            let mut groups: Vec<String> =
                page.items.iter().filter_map(|t| t.group.clone()).collect();
            groups.sort();
            groups.dedup();
            let members = benefit_types::group_members(c, actor, &groups)?;
            Ok((page, members))
        })
        .await?;
    let (page, members) = result;
    Ok(HttpResponse::Ok().json(BenefitTypePage {
        next_cursor: page.next_after.map(crate::extract::encode_cursor),
        items: page
            .items
            .into_iter()
            .map(|t| BenefitTypeView::with_group(t, &members))
            .collect(),
    }))
}

/// One benefit type.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Benefit type id")),
    responses((status = 200, description = "The benefit type", body = BenefitTypeView, headers(("ETag" = String, description = "Version"))))
)]
#[get("/benefit-types/{id}")]
pub async fn get_benefit_type(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let t = state
        .db
        .as_user(
            auth,
            "benefit_type",
            Some(id.to_string()),
            move |c, a, _| {
                let t = benefit_types::get(c, a, id)?;
                let members = benefit_types::group_members(
                    c,
                    a,
                    &t.group.iter().cloned().collect::<Vec<_>>(),
                )?;
                Ok((t, members))
            },
        )
        .await?;
    let (t, members) = t;
    Ok(HttpResponse::Ok()
        .insert_header(etag(t.version))
        .json(BenefitTypeView::with_group(t, &members)))
}

/// Changes a benefit type: names, group, policy, active (district coordinators). Needs
/// `If-Match`. A changed policy applies to every later check, whoever gives the benefit.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Benefit type id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdateBenefitTypeRequest,
    responses(
        (status = 200, description = "Changed", body = BenefitTypeView, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/benefit-types/{id}")]
pub async fn update_benefit_type(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateBenefitTypeRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0.try_into()?;
    let t = state
        .db
        .write(auth, "benefit_type", Some(id.to_string()), move |tx| {
            let t = benefit_types::update(tx, id, if_match.0, patch)?;
            let (c, a, _) = tx.parts();
            let members =
                benefit_types::group_members(c, a, &t.group.iter().cloned().collect::<Vec<_>>())?;
            Ok((t, members))
        })
        .await?;
    let (t, members) = t;
    Ok(HttpResponse::Ok()
        .insert_header(etag(t.version))
        .json(BenefitTypeView::with_effects(t, &members)))
}

/// The allocation a request asks for, with `granted_on` within the configured bounds.
fn new_allocation(state: &AppState, body: CreateAllocationRequest) -> ApiResult<NewAllocation> {
    let new = NewAllocation::try_from(body)?;
    hamkke_domain::allocation::check_granted_on(
        new.granted_on,
        chrono::Utc::now().date_naive(),
        state.config.granted_on,
    )?;
    Ok(new)
}

/// Checks an allocation against the resource's duplicate policy without recording it.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    request_body = CreateAllocationRequest,
    responses((status = 200, description = "What the policy says", body = CheckView))
)]
#[post("/allocations/check")]
pub async fn check_allocation(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateAllocationRequest>,
) -> ApiResult<HttpResponse> {
    let new = new_allocation(&state, body.0)?;
    let strong = state.config.duplicate_strong_score;
    let check = state
        .db
        .read(auth, "allocation", None, move |rx| {
            repo::check(rx, &new, strong)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CheckView::new(check, wants_english(&req))))
}

/// Records an allocation in the shared ledger.
///
/// No conflict: 201 `approved`. A conflict under a `block` policy: 409 `duplicate_benefit`
/// with `conflicts` and `rule`, nothing recorded — or, with `override.reason`, 202
/// `pending_override` until a district coordinator approves. A conflict under a `warn` policy:
/// 201 with `warnings`.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    request_body = CreateAllocationRequest,
    responses(
        (status = 201, description = "Approved (possibly with warnings)", body = AllocationView),
        (status = 202, description = "Recorded pending an override approval", body = AllocationView),
        (status = 409, description = "Blocked as a duplicate benefit (`conflicts`, `rule`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/allocations")]
pub async fn create_allocation(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateAllocationRequest>,
) -> ApiResult<HttpResponse> {
    let english = wants_english(&req);
    let new = new_allocation(&state, body.0)?;
    let strong = state.config.duplicate_strong_score;
    let outcome = state
        .db
        .write_retrying(auth, "allocation", None, move |tx| {
            let outcome = hamkke_persistence::app::allocations::record(tx, &new, strong)?;
            let names = match &outcome {
                Outcome::Approved { entry, .. } | Outcome::PendingOverride { entry, .. } => {
                    let (c, a, _) = tx.parts();
                    names_of(c, a, entry)?
                }
                Outcome::Blocked(_) => Names::default(),
            };
            Ok((outcome, names))
        })
        .await?;
    let (outcome, names) = outcome;
    let with_conflicts = |entry, check: hamkke_persistence::repo::allocations::Check| {
        let mut view = AllocationView::named(entry, &names);
        view.warnings_total = Some(check.conflicts_total);
        view.possible_duplicate_claims_total = Some(check.possible_duplicate_claims_total);
        view.warnings = Some(
            check
                .conflicts
                .into_iter()
                .map(ConflictView::from)
                .collect(),
        );
        view.possible_duplicate_claims = Some(
            check
                .possible_duplicate_claims
                .into_iter()
                .map(Into::into)
                .collect(),
        );
        view
    };
    match outcome {
        Outcome::Approved { entry, warnings } => {
            let view = with_conflicts(entry, warnings);
            Ok(HttpResponse::Created()
                .insert_header(super::location("allocations", view.id))
                .json(view))
        }
        Outcome::PendingOverride { entry, check } => {
            Ok(HttpResponse::Accepted().json(with_conflicts(entry, check)))
        }
        Outcome::Blocked(check) => Err(duplicate_benefit(check, english)),
    }
}

/// 409 `duplicate_benefit`: the policy's rule in words and the conflicting allocations.
pub(crate) fn duplicate_benefit(
    check: hamkke_persistence::repo::allocations::Check,
    english: bool,
) -> ApiError {
    let check = CheckView::new(check, english);
    ApiError::Conflict {
        code: "duplicate_benefit",
        detail: check
            .rule
            .clone()
            .unwrap_or_else(|| "this benefit was already given".into()),
        extensions: Some(
            json!({ "conflicts": check.conflicts, "conflicts_total": check.conflicts_total, "rule": check.rule }),
        ),
    }
}

/// The district's ledger, minimal for entries whose person the caller may not see.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(ListAllocationsQuery),
    responses((status = 200, description = "A page of allocations", body = AllocationPage))
)]
#[get("/allocations")]
pub async fn list_allocations(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListAllocationsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let filter = LedgerFilter {
        person_id: q.person_id,
        household_id: q.household_id,
        resource_id: q.resource_id,
        benefit_type_id: q.benefit_type_id,
        category: q.category.map(Into::into),
        provider_org_id: q.provider_org_id,
        status: q.status.map(Into::into),
        from: q.from,
        to: q.to,
    };
    let strong = state.config.duplicate_strong_score;
    let result = state
        .db
        .read(auth, "allocation", None, move |rx| {
            let page = repo::list(rx, &filter, page, strong)?;
            let (c, a, _) = rx.parts();
            named(c, a, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AllocationPage::named(result.0, &result.1)))
}

/// Runs one allocation operation as the caller (denials audited) and answers the entry.
async fn one_allocation(
    state: &AppState,
    auth: Caller,
    id: Uuid,
    f: impl FnOnce(
            &mut hamkke_persistence::uow::Tx<'_>,
        ) -> Result<repo::LedgerEntry, hamkke_persistence::error::RepoError>
        + Send
        + 'static,
) -> ApiResult<HttpResponse> {
    let e = state
        .db
        .write(auth, "allocation", Some(id.to_string()), move |tx| {
            let v = f(tx)?;
            let (c, a, _) = tx.parts();
            named(c, a, v)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AllocationView::named(e.0, &e.1)))
}

/// One allocation of the district.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Allocation id")),
    responses((status = 200, description = "The allocation", body = AllocationView))
)]
#[get("/allocations/{id}")]
pub async fn get_allocation(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let strong = state.config.duplicate_strong_score;
    // A read: no unit of work (its view event goes to the group commit).
    let e = state
        .db
        .read(auth, "allocation", Some(id.to_string()), move |rx| {
            let entry = repo::get(rx, id, strong)?;
            let (c, a, _) = rx.parts();
            named(c, a, entry)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AllocationView::named(e.0, &e.1)))
}

/// A district coordinator (not the requester) approves a `pending_override` allocation.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Allocation id")),
    responses(
        (status = 200, description = "Approved", body = AllocationView),
        (status = 409, description = "Not pending an override", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/allocations/{id}/approve")]
pub async fn approve_allocation(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    one_allocation(&state, auth, id, move |tx| repo::approve(tx, id)).await
}

/// A district coordinator (not the requester) rejects a `pending_override` allocation, with
/// the reason: it is cancelled and the requester is told.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Allocation id")),
    request_body = CancelAllocationRequest,
    responses(
        (status = 200, description = "Rejected (cancelled with the reason)", body = AllocationView),
        (status = 409, description = "Not pending an override", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/allocations/{id}/reject")]
pub async fn reject_allocation(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CancelAllocationRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let reason = body.0.reason;
    one_allocation(&state, auth, id, move |tx| {
        hamkke_persistence::app::allocations::reject(tx, id, &reason)
    })
    .await
}

/// The providing organization marks a planned or approved allocation delivered (전달 완료),
/// with its proof: the recipient's signature or a photo (upload it first as an attachment of
/// this allocation, `POST /attachments`, and name it), or 대리수령 (who took it and their
/// relation). The body may be left out: delivered now, without proof (it then counts against
/// the campaign's proof rate).
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Allocation id")),
    request_body(content = Option<DeliverRequest>, description = "When and how receipt was shown (optional)"),
    responses(
        (status = 200, description = "Delivered", body = AllocationView),
        (status = 409, description = "Not planned or approved", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/allocations/{id}/deliver")]
pub async fn deliver_allocation(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: OptionalJson<DeliverRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let delivered: repo::Delivered = body.0.unwrap_or_default().into();
    one_allocation(&state, auth, id, move |tx| {
        repo::deliver(tx, id, &delivered)
    })
    .await
}

/// The providing organization or a district coordinator cancels; it stops counting at once.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Allocation id")),
    request_body = CancelAllocationRequest,
    responses(
        (status = 200, description = "Cancelled", body = AllocationView),
        (status = 409, description = "Already delivered or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/allocations/{id}/cancel")]
pub async fn cancel_allocation(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CancelAllocationRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let reason = body.0.reason;
    one_allocation(&state, auth, id, move |tx| {
        hamkke_persistence::app::allocations::cancel(tx, id, &reason)
    })
    .await
}

/// Query of `POST /allocations/import`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row without recording anything.
    pub dry_run: Option<bool>,
    /// Register a person from a row (성명, 생년월일, 주민등록번호 if given) when no registered
    /// person matches.
    pub register_missing: Option<bool>,
}

/// A multipart upload of an allocation list (for generated clients).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// The CSV or XLSX file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Largest accepted import file.
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

/// Where imports are posted (their body limit is `IMPORT_LIMIT`, not the JSON limit).
pub const IMPORT_PATH: &str = "/api/v1/allocations/import";

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The import format of a media type or file name.
pub(crate) fn import_format(media: &str, file_name: Option<&str>) -> Option<crate::import::Format> {
    use crate::import::Format;
    let media = media.trim().to_ascii_lowercase();
    let name = file_name.unwrap_or_default().to_ascii_lowercase();
    if media.starts_with(XLSX_TYPE) || name.ends_with(".xlsx") {
        Some(Format::Xlsx)
    } else if media.starts_with("text/csv") || name.ends_with(".csv") {
        Some(Format::Csv)
    } else {
        None
    }
}

/// The file of a `multipart/form-data` body: its `file` field.
pub(crate) async fn multipart_file(
    content_type: &str,
    body: actix_web::web::Bytes,
) -> ApiResult<(crate::import::Format, Vec<u8>)> {
    let unreadable = || {
        ApiError::field(
            "file",
            "invalid_multipart",
            "send the list as the `file` field of a multipart/form-data body",
        )
    };
    let boundary = multer::parse_boundary(content_type).map_err(|_| unreadable())?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("file") {
            continue;
        }
        let media = field
            .content_type()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_default();
        let format = import_format(&media, field.file_name()).ok_or_else(|| {
            ApiError::field(
                "file",
                "unsupported_media_type",
                "the file must be CSV (text/csv, .csv) or XLSX (.xlsx)",
            )
        })?;
        let bytes = field.bytes().await.map_err(|_| unreadable())?;
        return Ok((format, bytes.to_vec()));
    }
    Err(unreadable())
}

/// Imports an allocation list, up to 10 MiB: CSV (`text/csv`, UTF-8 with or without BOM, or
/// CP949/EUC-KR as Korean Excel saves it), XLSX, or either as the `file` field of a
/// `multipart/form-data` body. Headers in Korean or English: `성명/name`, `생년월일/birth_date`,
/// `주민등록번호/rrn`, `급여유형/benefit_type`, `자원/resource_id`, `수량/quantity`,
/// `금액/amount`, `지급일/granted_on`, `제공기관/provider`, `비고/note`, and `person_id`,
/// `case_id`, `row_key`. Rows are matched to persons by `person_id`, else RRN, else exact name
/// and birth date within the district when exactly one person matches (`register_missing=true`
/// registers the person otherwise). Rows are independent: a bad or duplicate row never stops
/// the others, and rows imported before (same row key) are skipped. `Accept: text/csv` answers
/// one line per row of the file with its outcome. The contract declares the multipart form, the
/// one every generator makes a method of; the file sent as the whole body (`Content-Type:
/// text/csv` or the XLSX type, as `curl --data-binary` does) is accepted the same way.
#[utoipa::path(
    tag = "allocations",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(description = "The allocation list, with a header row", content(
        (ImportUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "What was imported, skipped, refused as duplicate or unreadable", content(
            (crate::import::ImportReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 429, description = "As many imports as the server runs at once are running (`imports_busy`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/allocations/import")]
pub async fn import_allocations(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ImportQuery>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let multipart = content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data");
    let direct = import_format(&content_type, None);
    if !multipart && direct.is_none() {
        return Err(ApiError::UnsupportedMediaType);
    }
    // Held until the import's answer is made.
    let _slot = state.import_slots.take(auth.actor.user_id)?;
    let body = crate::extract::read_limited(&mut payload, IMPORT_LIMIT).await?;
    let (format, body) = match direct {
        Some(f) => (f, body.to_vec()),
        None => multipart_file(&content_type, body).await?,
    };
    let opts = crate::import::ImportOptions {
        dry_run: query.dry_run.unwrap_or(false),
        register_missing: query.register_missing.unwrap_or(false),
        granted_on: state.config.granted_on,
        strong_score: state.config.duplicate_strong_score,
    };
    let keys = state.person_keys.clone();
    let limiter = state.rrn_lookup_limiter.clone();
    let user = auth.actor.user_id;
    let english = wants_english(&req);
    let mut report = state
        .db
        .as_user(auth, "allocation", None, move |c, a, ctx| {
            let mut budget = || limiter.check_key(&user).is_ok();
            crate::import::import(
                c,
                a,
                ctx,
                &keys,
                format,
                &body,
                opts,
                &mut budget,
                &mut |_, _| {},
            )
        })
        .await?;
    // Row messages in the caller's language, Korean by default.
    if !english {
        report.in_korean();
    }
    // JSON unless CSV weighs more (a generated client lists both at equal weight).
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    if crate::negotiate::choose(accept, &["application/json", "text/csv"]) == "text/csv" {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(super::reports::VARY_ACCEPT)
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"hamkke_import_result.csv\"",
            ))
            .body(report.to_csv()));
    }
    Ok(HttpResponse::Ok()
        .insert_header(super::reports::VARY_ACCEPT)
        .json(report))
}
