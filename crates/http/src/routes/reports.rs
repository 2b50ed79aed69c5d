//! District reports as JSON, CSV or XLSX (by `Accept`), with Korean column headers.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use hamkke_persistence::repo::reports::{
    self, DuplicatePage, Overview, ReportScope, RowPage, Tally,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::dto::allocations::{
    wants_english, AllocationStatusDto, CategoryDto, ScopeDto, SubjectDto,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use hamkke_domain::allocation::{AllocationStatus, Category, Funding, Scope, Subject};
use hamkke_domain::case::{RiskLevel, Status};
use hamkke_domain::labels::{self, Label};

const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Which district and period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Defaults to the caller's district (the only one it may read).
    #[param(pattern = "^[0-9]{5}$")]
    pub district_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Filters and page of `GET /reports/duplicates`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// Defaults to the caller's district (the only one it may read).
    #[param(pattern = "^[0-9]{5}$")]
    pub district_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Rows per page of the JSON answer (1–1000, default 500); CSV and XLSX carry every row.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 100)]
    pub cursor: Option<String>,
}

impl DuplicatesQuery {
    /// The whole report of a district and period (the exports' query).
    fn whole(q: ReportQuery) -> Self {
        Self {
            district_code: q.district_code,
            from: q.from,
            to: q.to,
            limit: None,
            cursor: None,
        }
    }
}

/// A page cursor of the duplicates report: `subject:subject_id:scope` of the last row.
fn parse_cursor(raw: &str) -> ApiResult<(Subject, Uuid, Scope)> {
    let bad = || ApiError::field("cursor", "invalid_format", "not a cursor of this report");
    match raw.split(':').collect::<Vec<_>>()[..] {
        [subject, id, scope] => Ok((
            Subject::parse(subject).ok_or_else(bad)?,
            Uuid::parse_str(id).map_err(|_| bad())?,
            Scope::parse(scope).ok_or_else(bad)?,
        )),
        _ => Err(bad()),
    }
}

fn format_cursor((subject, id, scope): (Subject, Uuid, Scope)) -> String {
    format!("{}:{id}:{}", subject.as_str(), scope.as_str())
}

/// An allocation in a duplicate row.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateAllocationView {
    pub allocation_id: Uuid,
    /// Who received it: masked name (`김*수`) and birth year.
    pub person_masked_name: String,
    pub person_birth_year: i32,
    pub benefit_type_code: String,
    pub benefit_type_name_ko: String,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub category: CategoryDto,
    pub provider_org_id: Uuid,
    pub provider_org_name: String,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub status: AllocationStatusDto,
}

/// A subject (person or household) that received more than a policy allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateRowView {
    pub subject: SubjectDto,
    pub subject_id: Uuid,
    pub scope: ScopeDto,
    pub allocations: Vec<DuplicateAllocationView>,
}

/// The duplicate report.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateReport {
    pub district_code: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// This page's rows (`limit`, default 500), in a stable order.
    pub rows: Vec<DuplicateRowView>,
    /// Rows of the whole report.
    pub total_rows: usize,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A count (and amount in won) under one key.
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyView {
    /// The code or name counted.
    pub key: String,
    /// The key as people read it (Korean, or English by `Accept-Language`).
    pub label: String,
    pub count: i64,
    pub amount: Option<i64>,
}

/// The district at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewReport {
    pub district_code: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub cases_by_status: Vec<TallyView>,
    pub cases_by_risk_level: Vec<TallyView>,
    pub cases_by_lead_org: Vec<TallyView>,
    pub allocations_by_category: Vec<TallyView>,
    pub allocations_by_funding: Vec<TallyView>,
    pub allocations_by_provider: Vec<TallyView>,
    pub allocations_by_benefit_type: Vec<TallyView>,
    /// By the recipient's dong of residence (the household's administrative dong code as key,
    /// named by the dong centre serving it; `unknown` when none is recorded).
    pub allocations_by_dong: Vec<TallyView>,
    /// By the dong centre that registered the recipient; recipients registered by another
    /// organization form one row.
    pub allocations_by_registering_org: Vec<TallyView>,
    /// Allocation attempts refused as duplicates.
    pub duplicates_prevented: i64,
    /// Overrides of a duplicate block that were approved.
    pub overrides_approved: i64,
}

pub(crate) fn scope(state: &AppState, auth: &AuthUser, q: ReportQuery) -> ApiResult<ReportScope> {
    if q.district_code
        .as_ref()
        .is_some_and(|d| d.len() != 5 || !d.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::field(
            "district_code",
            "invalid_format",
            "must be a five-digit 시군구 code",
        ));
    }
    Ok(ReportScope {
        district_code: q
            .district_code
            .unwrap_or_else(|| auth.actor.district_code.clone()),
        from: q.from,
        to: q.to,
        timeout_ms: state.config.report_timeout_ms,
    })
}

/// Bulk exports say why they are made (`X-Access-Purpose`), for the audit trail.
fn require_purpose(auth: &AuthUser) -> ApiResult<()> {
    match auth.ctx.purpose {
        Some(_) => Ok(()),
        None => Err(ApiError::field(
            "X-Access-Purpose",
            "required",
            "exports must declare their purpose: case_management, meeting, allocation, audit or other",
        )),
    }
}

/// The format `Accept` asks for.
pub(crate) enum Format {
    Json,
    Csv,
    Xlsx,
}

/// The format `Accept` weighs most; JSON on equal weights (`negotiate::choose`). Responses
/// that vary by it say so (`Vary: Accept`).
pub(crate) fn format(req: &HttpRequest) -> Format {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    match crate::negotiate::choose(accept, &["application/json", CSV, XLSX]) {
        XLSX => Format::Xlsx,
        CSV => Format::Csv,
        _ => Format::Json,
    }
}

/// `Vary: Accept`, for responses whose form `Accept` chooses.
pub(crate) const VARY_ACCEPT: (actix_web::http::header::HeaderName, &str) =
    (actix_web::http::header::VARY, "Accept");

/// A CSV cell as spreadsheets may open it safely: text that starts like a formula (`=`, `+`,
/// `-`, `@`, tab or carriage return) is prefixed with `'` (OWASP CSV injection); plain
/// numbers are left as they are.
pub fn csv_cell(v: &str) -> std::borrow::Cow<'_, str> {
    let risky = v.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && v.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{v}"))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

/// A made answer: its bytes, media type and, for files, the name to save them under.
pub(crate) struct Rendered {
    bytes: Vec<u8>,
    content_type: &'static str,
    file_name: Option<String>,
}

impl Rendered {
    pub(crate) fn into_response(self) -> HttpResponse {
        let mut r = HttpResponse::Ok();
        r.content_type(self.content_type).insert_header(VARY_ACCEPT);
        if let Some(name) = self.file_name {
            r.insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ));
        }
        r.body(self.bytes)
    }
}

pub(crate) fn table_response(
    fmt: Format,
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> ApiResult<HttpResponse> {
    table_body(fmt, name, headers, rows).map(Rendered::into_response)
}

/// A table as CSV (UTF-8 with a byte order mark, for 엑셀) or XLSX.
pub(crate) fn table_body(
    fmt: Format,
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> ApiResult<Rendered> {
    match fmt {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
            let out = w.write_record(headers).and_then(|_| {
                rows.iter()
                    .try_for_each(|r| w.write_record(r.iter().map(|c| csv_cell(c).into_owned())))
            });
            out.map_err(|_| ApiError::Internal)?;
            let bytes = w.into_inner().map_err(|_| ApiError::Internal)?;
            Ok(Rendered {
                bytes,
                content_type: "text/csv; charset=utf-8",
                file_name: Some(format!("{name}.csv")),
            })
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let fail = |_| ApiError::Internal;
            for (c, h) in headers.iter().enumerate() {
                sheet.write_string(0, c as u16, *h).map_err(fail)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    match v.parse::<f64>() {
                        Ok(n) if !v.is_empty() && !v.starts_with('0') || v == "0" => sheet
                            .write_number(r as u32 + 1, c as u16, n)
                            .map_err(fail)?,
                        _ => sheet
                            .write_string(r as u32 + 1, c as u16, v)
                            .map_err(fail)?,
                    };
                }
            }
            let bytes = book.save_to_buffer().map_err(fail)?;
            Ok(Rendered {
                bytes,
                content_type: XLSX,
                file_name: Some(format!("{name}.xlsx")),
            })
        }
        Format::Json => Err(ApiError::Internal),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Every subject that received more than its policy allows in the period (from approved
/// overrides or historical imports), with the allocations involved. Coordinators and auditors
/// of the district. JSON, or CSV / XLSX by `Accept`, with Korean column headers. Requires
/// `X-Access-Purpose` (it names persons).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(DuplicatesQuery),
    responses(
        (status = 200, description = "The report", content(
            (DuplicateReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 429, description = "A report of the caller is running (`report_running`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/duplicates")]
pub async fn get_duplicates_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DuplicatesQuery>,
) -> ApiResult<HttpResponse> {
    let fmt = format(&req);
    duplicates_report(&req, &state, auth, query.into_inner(), fmt).await
}

/// The duplicates report as CSV (UTF-8 with a byte order mark, for 엑셀): every row, Korean column headers (English by `Accept-Language`). Requires
/// `X-Access-Purpose`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report as CSV", content_type = "text/csv", body = String),
        (status = 429, description = "A report of the caller is running (`report_running`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/duplicates.csv")]
pub async fn export_duplicates_report_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let q = DuplicatesQuery::whole(query.into_inner());
    duplicates_report(&req, &state, auth, q, Format::Csv).await
}

/// The duplicates report as an XLSX workbook: every row,
/// Korean column headers (English by `Accept-Language`). Requires `X-Access-Purpose`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report as XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String),
        (status = 429, description = "A report of the caller is running (`report_running`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/duplicates.xlsx")]
pub async fn export_duplicates_report_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let q = DuplicatesQuery::whole(query.into_inner());
    duplicates_report(&req, &state, auth, q, Format::Xlsx).await
}

async fn duplicates_report(
    req: &HttpRequest,
    state: &AppState,
    auth: AuthUser,
    q: DuplicatesQuery,
    fmt: Format,
) -> ApiResult<HttpResponse> {
    // It names the persons concerned: a bulk export of personal data in any format.
    require_purpose(&auth)?;
    let page = match fmt {
        Format::Json => RowPage {
            after: q.cursor.as_deref().map(parse_cursor).transpose()?,
            limit: match q.limit {
                None => 500,
                Some(l @ 1..=1000) => l as usize,
                Some(_) => {
                    return Err(ApiError::field(
                        "limit",
                        "out_of_range",
                        "must be 1 to 1000",
                    ))
                }
            },
        },
        _ => RowPage::ALL,
    };
    let s = scope(
        state,
        &auth,
        ReportQuery {
            district_code: q.district_code,
            from: q.from,
            to: q.to,
        },
    )?;
    // One report per user at a time (held until the answer is made).
    let _slot = state.report_slots.take(auth.actor.user_id)?;
    let s2 = s.clone();
    let s3 = s.clone();
    let DuplicatePage { rows, total, next } = state
        .db
        .report(
            auth,
            "report",
            None,
            move |c, a| reports::duplicates(c, a, &s2, page),
            move |tx, out: &DuplicatePage| {
                let details = serde_json::json!({ "rows": out.rows.len(), "total": out.total });
                reports::record_export(tx, "report_duplicates", &s3, Some(details))
            },
        )
        .await?;
    // The answer (up to the whole district as a spreadsheet) is made at the lowest CPU
    // priority, off the server worker that other requests are waiting for.
    let en = wants_english(req);
    let made = web::block(move || {
        reports::at_lowest_priority(|| render_duplicates(fmt, en, s, rows, total, next))
    })
    .await
    .map_err(|_| ApiError::Internal)???;
    Ok(made.into_response())
}

/// The duplicates report as JSON, CSV or XLSX.
fn render_duplicates(
    fmt: Format,
    en: bool,
    s: ReportScope,
    rows: Vec<reports::DuplicateRow>,
    total: usize,
    next: Option<(Subject, Uuid, Scope)>,
) -> ApiResult<Rendered> {
    let views: Vec<DuplicateRowView> = rows
        .into_iter()
        .map(|r| DuplicateRowView {
            subject: r.excess.subject.into(),
            subject_id: r.excess.subject_id,
            scope: r.excess.scope.into(),
            allocations: r
                .allocations
                .into_iter()
                .map(|a| DuplicateAllocationView {
                    allocation_id: a.allocation_id,
                    person_masked_name: a.person_masked_name,
                    person_birth_year: a.person_birth_year,
                    benefit_type_code: a.benefit_type_code,
                    benefit_type_name_ko: a.benefit_type_name_ko,
                    resource_id: a.resource_id,
                    resource_name: a.resource_name,
                    category: a.category.into(),
                    provider_org_id: a.provider_org_id,
                    provider_org_name: a.provider_org_name,
                    granted_on: a.granted_on,
                    amount: a.amount,
                    quantity: a.quantity,
                    status: a.status.into(),
                })
                .collect(),
        })
        .collect();
    if let Format::Json = fmt {
        let report = DuplicateReport {
            district_code: s.district_code,
            from: s.from,
            to: s.to,
            rows: views,
            total_rows: total,
            next_cursor: next.map(format_cursor),
        };
        return Ok(Rendered {
            bytes: serde_json::to_vec(&report).map_err(|_| ApiError::Internal)?,
            content_type: "application/json",
            file_name: None,
        });
    }
    let headers: &[&str] = if en {
        &[
            "subject",
            "subject_id",
            "counted_by",
            "allocation_id",
            "recipient",
            "birth_year",
            "benefit_type",
            "resource",
            "category",
            "provider",
            "granted_on",
            "amount",
            "quantity",
            "status",
        ]
    } else {
        &[
            "대상구분",
            "대상ID",
            "중복범위",
            "배분ID",
            "대상자",
            "출생연도",
            "급여유형",
            "자원",
            "분류",
            "제공기관",
            "지급일",
            "금액",
            "수량",
            "상태",
        ]
    };
    let mut rows = Vec::new();
    for v in &views {
        for a in &v.allocations {
            rows.push(vec![
                Subject::from(v.subject).label(en).to_owned(),
                v.subject_id.to_string(),
                Scope::from(v.scope).label(en).to_owned(),
                a.allocation_id.to_string(),
                a.person_masked_name.clone(),
                a.person_birth_year.to_string(),
                a.benefit_type_name_ko.clone(),
                a.resource_name.clone(),
                Category::from(a.category).label(en).to_owned(),
                a.provider_org_name.clone(),
                a.granted_on.to_string(),
                opt(a.amount),
                opt(a.quantity),
                AllocationStatus::from(a.status).label(en).to_owned(),
            ]);
        }
    }
    table_body(fmt, &file_name("duplicates", &s), headers, rows)
}

pub(crate) fn tallies(t: Vec<Tally>, label: impl Fn(&str) -> String) -> Vec<TallyView> {
    t.into_iter()
        .map(|t| TallyView {
            label: t.name.unwrap_or_else(|| label(&t.key)),
            key: t.key,
            count: t.count,
            amount: t.amount,
        })
        .collect()
}

/// Cases by status, risk and lead organization; allocations by category, funding and provider;
/// duplicates prevented and overrides approved. Coordinators and auditors of the district.
/// CSV and XLSX exports require `X-Access-Purpose`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (OverviewReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 429, description = "A report of the caller is running (`report_running`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/overview")]
pub async fn get_overview_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let fmt = format(&req);
    overview_report(&req, &state, auth, query.into_inner(), fmt).await
}

/// The overview report as CSV (구분, 항목, 건수, 금액; English
/// by `Accept-Language`). Requires `X-Access-Purpose`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report as CSV", content_type = "text/csv", body = String),
        (status = 429, description = "A report of the caller is running (`report_running`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/overview.csv")]
pub async fn export_overview_report_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    overview_report(&req, &state, auth, query.into_inner(), Format::Csv).await
}

/// The overview report as an XLSX workbook. Requires
/// `X-Access-Purpose`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "The report as XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String),
        (status = 429, description = "A report of the caller is running (`report_running`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/overview.xlsx")]
pub async fn export_overview_report_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    overview_report(&req, &state, auth, query.into_inner(), Format::Xlsx).await
}

async fn overview_report(
    req: &HttpRequest,
    state: &AppState,
    auth: AuthUser,
    q: ReportQuery,
    fmt: Format,
) -> ApiResult<HttpResponse> {
    if !matches!(fmt, Format::Json) {
        require_purpose(&auth)?;
    }
    let s = scope(state, &auth, q)?;
    let _slot = state.report_slots.take(auth.actor.user_id)?;
    let s2 = s.clone();
    let s3 = s.clone();
    let o: Overview = state
        .db
        .report(
            auth,
            "report",
            None,
            move |c, a| reports::overview(c, a, &s2),
            move |tx, _: &Overview| reports::record_export(tx, "report_overview", &s3, None),
        )
        .await?;
    let en = wants_english(req);
    let name = |k: &str| k.to_owned();
    let report = OverviewReport {
        district_code: s.district_code.clone(),
        from: s.from,
        to: s.to,
        cases_by_status: tallies(o.cases_by_status, |k| labels::of(Status::parse, k, en)),
        cases_by_risk_level: tallies(o.cases_by_risk_level, |k| {
            labels::of(RiskLevel::parse, k, en)
        }),
        cases_by_lead_org: tallies(o.cases_by_lead_org, name),
        allocations_by_category: tallies(o.allocations_by_category, |k| {
            labels::of(Category::parse, k, en)
        }),
        allocations_by_funding: tallies(o.allocations_by_funding, |k| {
            labels::of(Funding::parse, k, en)
        }),
        allocations_by_provider: tallies(o.allocations_by_provider, name),
        allocations_by_benefit_type: tallies(o.allocations_by_benefit_type, name),
        allocations_by_dong: tallies(o.allocations_by_dong, name),
        allocations_by_registering_org: tallies(o.allocations_by_registering_org, name),
        duplicates_prevented: o.duplicates_prevented,
        overrides_approved: o.overrides_approved,
    };
    if let Format::Json = fmt {
        return Ok(HttpResponse::Ok().insert_header(VARY_ACCEPT).json(report));
    }
    let mut rows = Vec::new();
    let t = |ko: &'static str, english: &'static str| if en { english } else { ko };
    for (section, list) in [
        (t("사례_상태별", "cases_by_status"), &report.cases_by_status),
        (
            t("사례_위기도별", "cases_by_risk_level"),
            &report.cases_by_risk_level,
        ),
        (
            t("사례_주관기관별", "cases_by_lead_org"),
            &report.cases_by_lead_org,
        ),
        (
            t("배분_분류별", "allocations_by_category"),
            &report.allocations_by_category,
        ),
        (
            t("배분_재원별", "allocations_by_funding"),
            &report.allocations_by_funding,
        ),
        (
            t("배분_제공기관별", "allocations_by_provider"),
            &report.allocations_by_provider,
        ),
        (
            t("배분_급여유형별", "allocations_by_benefit_type"),
            &report.allocations_by_benefit_type,
        ),
        (
            t("배분_거주동별", "allocations_by_dong"),
            &report.allocations_by_dong,
        ),
        (
            t("배분_등록기관별", "allocations_by_registering_org"),
            &report.allocations_by_registering_org,
        ),
    ] {
        for x in list {
            rows.push(vec![
                section.into(),
                x.label.clone(),
                x.count.to_string(),
                opt(x.amount),
            ]);
        }
    }
    rows.push(vec![
        t("중복지원_차단", "duplicates_prevented").into(),
        String::new(),
        report.duplicates_prevented.to_string(),
        String::new(),
    ]);
    rows.push(vec![
        t("중복예외_승인", "overrides_approved").into(),
        String::new(),
        report.overrides_approved.to_string(),
        String::new(),
    ]);
    let headers = if en {
        ["section", "item", "count", "amount"]
    } else {
        ["구분", "항목", "건수", "금액"]
    };
    table_response(fmt, &file_name("overview", &s), &headers, rows)
}

/// `{report}_{district}_{from}_{to}` (`all` for an open end), ASCII so every client keeps it.
pub(crate) fn file_name(report: &str, s: &ReportScope) -> String {
    let day = |d: Option<NaiveDate>| d.map_or_else(|| "all".to_owned(), |d| d.to_string());
    format!(
        "hamkke_{report}_{}_{}_{}",
        s.district_code,
        day(s.from),
        day(s.to)
    )
}

#[cfg(test)]
mod csv_tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("+1+cmd"), "'+1+cmd");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("-5"), "-5");
        assert_eq!(csv_cell("연말 난방유"), "연말 난방유");
    }
}
