//! The coordinator dashboard: its figures through the public API (`GET /reports/dashboard`,
//! JSON, or one section as CSV / XLSX) and the page itself at `/dashboard/`, served from the
//! binary with no network access (the chart library is vendored with its licence).

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use hamkke_persistence::repo::dashboard::{self, CaseMonth, Dashboard, DuplicateMonth, MonthTally};
use hamkke_persistence::repo::ministry::MinistrySummary;
use hamkke_persistence::repo::reports::{self, ReportScope, Tally};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::reports::{file_name, format, table_response, tallies, Format, TallyView};
use crate::auth::AuthUser;
use crate::dto::allocations::wants_english;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use hamkke_domain::allocation::Funding;
use hamkke_domain::case::{CaseType, RiskLevel, Status};
use hamkke_domain::labels;
use hamkke_domain::meeting::MeetingKind;

/// The longest period one dashboard covers (ten years of months).
const MAX_PERIOD_DAYS: i64 = 3653;

/// Which district, period and (for CSV / XLSX) section.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Defaults to the caller's district (the only one it may read).
    #[param(pattern = "^[0-9]{5}$")]
    pub district_code: Option<String>,
    /// First day (Korean date); open when absent.
    pub from: Option<NaiveDate>,
    /// Last day (Korean date); open when absent.
    pub to: Option<NaiveDate>,
    /// The section to download as CSV or XLSX (required for those; ignored for JSON).
    pub section: Option<DashboardSection>,
}

/// Which district, period and section to download.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardExportQuery {
    /// Defaults to the caller's district (the only one it may read).
    #[param(pattern = "^[0-9]{5}$")]
    pub district_code: Option<String>,
    /// First day (Korean date); open when absent.
    pub from: Option<NaiveDate>,
    /// Last day (Korean date); open when absent.
    pub to: Option<NaiveDate>,
    /// The section to download.
    pub section: DashboardSection,
}

impl From<DashboardExportQuery> for DashboardQuery {
    fn from(q: DashboardExportQuery) -> Self {
        Self {
            district_code: q.district_code,
            from: q.from,
            to: q.to,
            section: Some(q.section),
        }
    }
}

/// One table of the dashboard, as a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DashboardSection {
    CasesByStatus,
    CasesByRiskLevel,
    CasesByLeadOrg,
    CasesPerMonth,
    ReviewsOverdue,
    AllocationsByBenefitType,
    AllocationsByProvider,
    AllocationsByDong,
    AllocationsByRegisteringOrg,
    Duplicates,
    RepeatedBenefitTypes,
    MinistrySummary,
}

impl DashboardSection {
    fn as_str(self) -> &'static str {
        match self {
            Self::CasesByStatus => "cases_by_status",
            Self::CasesByRiskLevel => "cases_by_risk_level",
            Self::CasesByLeadOrg => "cases_by_lead_org",
            Self::CasesPerMonth => "cases_per_month",
            Self::ReviewsOverdue => "reviews_overdue",
            Self::AllocationsByBenefitType => "allocations_by_benefit_type",
            Self::AllocationsByProvider => "allocations_by_provider",
            Self::AllocationsByDong => "allocations_by_dong",
            Self::AllocationsByRegisteringOrg => "allocations_by_registering_org",
            Self::Duplicates => "duplicates",
            Self::RepeatedBenefitTypes => "repeated_benefit_types",
            Self::MinistrySummary => "ministry_summary",
        }
    }
}

/// Cases opened and closed in a month (`YYYY-MM`, Korean months).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseMonthView {
    pub month: String,
    pub opened: i64,
    pub closed: i64,
}

/// Allocations of one month under one key (benefit type code, provider or dong centre id;
/// `other` for recipients registered by an organization other than a dong centre).
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthTallyView {
    pub month: String,
    pub key: String,
    pub label: String,
    pub count: i64,
    /// Sum of amounts in won, when any allocation has one.
    pub amount: Option<i64>,
}

/// Duplicates prevented and overrides decided in a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateMonthView {
    pub month: String,
    /// Allocation attempts refused as duplicates.
    pub prevented: i64,
    pub overrides_approved: i64,
    pub overrides_rejected: i64,
}

/// Overdue plan reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewsOverdueView {
    /// Open cases whose review date has passed (as of today).
    pub total: i64,
    pub by_lead_org: Vec<TallyView>,
}

/// Duplicates prevented and overrides decided in the period; overrides pending now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateTotalsView {
    pub prevented: i64,
    pub overrides_approved: i64,
    pub overrides_rejected: i64,
    pub overrides_pending: i64,
    pub per_month: Vec<DuplicateMonthView>,
}

/// A benefit type given more than once to the same person in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RepeatView {
    pub benefit_type_code: String,
    pub label: String,
    /// Persons who received it more than once.
    pub recipients: i64,
    /// Allocations beyond each such person's first.
    pub repeats: i64,
}

/// The district's dashboard: counts only, no person data.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardReport {
    pub district_code: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The months the series cover (`YYYY-MM`), oldest first.
    pub months: Vec<String>,
    /// Cases active in the period (opened by its end and not closed before its start), by
    /// their status today.
    pub cases_by_status: Vec<TallyView>,
    pub cases_by_risk_level: Vec<TallyView>,
    pub cases_by_lead_org: Vec<TallyView>,
    pub cases_per_month: Vec<CaseMonthView>,
    pub reviews_overdue: ReviewsOverdueView,
    pub allocations_by_benefit_type: Vec<MonthTallyView>,
    pub allocations_by_provider: Vec<MonthTallyView>,
    /// By the recipient's dong of residence (the household's administrative dong code as
    /// key, named by the dong centre serving it; `unknown` when no household dong is recorded).
    pub allocations_by_dong: Vec<MonthTallyView>,
    /// By the dong centre that registered the recipient (others as one row).
    pub allocations_by_registering_org: Vec<MonthTallyView>,
    pub duplicates: DuplicateTotalsView,
    /// The ten benefit types most often given again to the same person.
    pub repeated_benefit_types: Vec<RepeatView>,
    /// 통합사례관리 실적, as the district reports it upward: cases by case type (opened,
    /// closed, in progress at the period's end), meetings held by kind, resources linked by
    /// funding (공공 / 민간, allocations and won).
    pub ministry_summary: Vec<MinistryRowView>,
}

/// One line of the ministry-style summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinistryRowView {
    /// `cases_opened`, `cases_closed`, `cases_in_progress`, `meetings_held` or
    /// `resources_linked`.
    pub measure: String,
    /// The measure in words (Korean unless English is asked for).
    pub measure_label: String,
    /// The case type, meeting kind or funding code.
    pub key: String,
    pub label: String,
    pub count: i64,
    /// Won (resources linked only).
    pub amount: Option<i64>,
}

fn ministry_rows(m: MinistrySummary, en: bool) -> Vec<MinistryRowView> {
    let t = |ko: &str, english: &str| if en { english } else { ko }.to_owned();
    let mut out = Vec::new();
    let mut row =
        |measure: &str, measure_label: String, key: &str, label: String, count, amount| {
            out.push(MinistryRowView {
                measure: measure.to_owned(),
                measure_label,
                key: key.to_owned(),
                label,
                count,
                amount,
            })
        };
    for (measure, ko, english) in [
        ("cases_opened", "사례 신규", "cases opened"),
        ("cases_closed", "사례 종결", "cases closed"),
        (
            "cases_in_progress",
            "사례 진행 중 (기간 말)",
            "cases in progress (period end)",
        ),
    ] {
        for c in &m.cases {
            let n = match measure {
                "cases_opened" => c.opened,
                "cases_closed" => c.closed,
                _ => c.in_progress,
            };
            let label = labels::of(CaseType::parse, &c.case_type, en);
            row(measure, t(ko, english), &c.case_type, label, n, None);
        }
    }
    for (kind, n) in &m.meetings_held {
        let label = labels::of(MeetingKind::parse, kind, en);
        row(
            "meetings_held",
            t("회의 개최", "meetings held"),
            kind,
            label,
            *n,
            None,
        );
    }
    for f in &m.resources {
        let label = labels::of(Funding::parse, &f.funding, en);
        row(
            "resources_linked",
            t("자원 연계", "resources linked"),
            &f.funding,
            label,
            f.allocations,
            Some(f.amount),
        );
    }
    out
}

fn months(list: Vec<MonthTally>, en: bool) -> Vec<MonthTallyView> {
    list.into_iter()
        .map(|t| MonthTallyView {
            label: match t.name_en {
                Some(e) if en && !e.is_empty() => e,
                _ => t.name,
            },
            month: t.month,
            key: t.key,
            count: t.count,
            amount: t.amount,
        })
        .collect()
}

/// Tallies of codes in the order the workflow (or the scale) has, not alphabetical.
fn in_order<T: PartialEq + Copy>(
    mut list: Vec<Tally>,
    all: &[T],
    parse: fn(&str) -> Option<T>,
) -> Vec<Tally> {
    list.sort_by_key(|t| {
        parse(&t.key)
            .and_then(|v| all.iter().position(|&x| x == v))
            .unwrap_or(usize::MAX)
    });
    list
}

fn report(s: &ReportScope, d: Dashboard, en: bool) -> DashboardReport {
    let ministry_summary = ministry_rows(d.ministry, en);
    let name = |k: &str| k.to_owned();
    let statuses = in_order(d.cases_by_status, Status::ALL, Status::parse);
    let risks = in_order(d.cases_by_risk_level, RiskLevel::ALL, RiskLevel::parse);
    DashboardReport {
        district_code: s.district_code.clone(),
        from: s.from,
        to: s.to,
        months: d.months,
        cases_by_status: tallies(statuses, |k| labels::of(Status::parse, k, en)),
        cases_by_risk_level: tallies(risks, |k| labels::of(RiskLevel::parse, k, en)),
        cases_by_lead_org: tallies(d.cases_by_lead_org, name),
        cases_per_month: d
            .cases_per_month
            .into_iter()
            .map(
                |CaseMonth {
                     month,
                     opened,
                     closed,
                 }| CaseMonthView {
                    month,
                    opened,
                    closed,
                },
            )
            .collect(),
        reviews_overdue: ReviewsOverdueView {
            total: d.reviews_overdue,
            by_lead_org: tallies(d.reviews_overdue_by_lead_org, name),
        },
        allocations_by_benefit_type: months(d.allocations_by_benefit_type, en),
        allocations_by_provider: months(d.allocations_by_provider, en),
        allocations_by_dong: months(d.allocations_by_dong, en),
        allocations_by_registering_org: months(d.allocations_by_registering_org, en),
        duplicates: DuplicateTotalsView {
            prevented: d.duplicates_prevented,
            overrides_approved: d.overrides_approved,
            overrides_rejected: d.overrides_rejected,
            overrides_pending: d.overrides_pending,
            per_month: d
                .duplicates_per_month
                .into_iter()
                .map(|m: DuplicateMonth| DuplicateMonthView {
                    month: m.month,
                    prevented: m.prevented,
                    overrides_approved: m.overrides_approved,
                    overrides_rejected: m.overrides_rejected,
                })
                .collect(),
        },
        repeated_benefit_types: d
            .repeated_benefit_types
            .into_iter()
            .map(|r| RepeatView {
                label: if en && !r.name_en.is_empty() {
                    r.name_en
                } else {
                    r.name_ko
                },
                benefit_type_code: r.code,
                recipients: r.recipients,
                repeats: r.repeats,
            })
            .collect(),
        ministry_summary,
    }
}

/// One section as header and rows, in Korean or English.
fn section_table(
    r: &DashboardReport,
    s: DashboardSection,
    en: bool,
) -> (Vec<String>, Vec<Vec<String>>) {
    let t = |ko: &str, english: &str| if en { english } else { ko }.to_owned();
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let tally_rows = |list: &[TallyView]| -> Vec<Vec<String>> {
        list.iter()
            .map(|x| vec![x.label.clone(), x.count.to_string()])
            .collect()
    };
    let month_rows = |list: &[MonthTallyView]| -> Vec<Vec<String>> {
        list.iter()
            .map(|x| {
                vec![
                    x.month.clone(),
                    x.label.clone(),
                    x.count.to_string(),
                    opt(x.amount),
                ]
            })
            .collect()
    };
    let count = t("건수", "count");
    let month_head = |what: String| {
        vec![
            t("월", "month"),
            what,
            count.clone(),
            t("금액(원)", "amount (KRW)"),
        ]
    };
    match s {
        DashboardSection::CasesByStatus => (
            vec![t("상태", "status"), count.clone()],
            tally_rows(&r.cases_by_status),
        ),
        DashboardSection::CasesByRiskLevel => (
            vec![t("위기도", "risk level"), count.clone()],
            tally_rows(&r.cases_by_risk_level),
        ),
        DashboardSection::CasesByLeadOrg => (
            vec![t("주관기관", "lead organization"), count.clone()],
            tally_rows(&r.cases_by_lead_org),
        ),
        DashboardSection::CasesPerMonth => (
            vec![t("월", "month"), t("신규", "opened"), t("종결", "closed")],
            r.cases_per_month
                .iter()
                .map(|m| vec![m.month.clone(), m.opened.to_string(), m.closed.to_string()])
                .collect(),
        ),
        DashboardSection::ReviewsOverdue => (
            vec![
                t("주관기관", "lead organization"),
                t("점검 기한 경과", "reviews overdue"),
            ],
            tally_rows(&r.reviews_overdue.by_lead_org),
        ),
        DashboardSection::AllocationsByBenefitType => (
            month_head(t("급여유형", "benefit type")),
            month_rows(&r.allocations_by_benefit_type),
        ),
        DashboardSection::AllocationsByProvider => (
            month_head(t("제공기관", "provider")),
            month_rows(&r.allocations_by_provider),
        ),
        DashboardSection::AllocationsByDong => (
            month_head(t("거주 동", "dong of residence")),
            month_rows(&r.allocations_by_dong),
        ),
        DashboardSection::AllocationsByRegisteringOrg => (
            month_head(t("등록 동 주민센터", "registering dong centre")),
            month_rows(&r.allocations_by_registering_org),
        ),
        DashboardSection::Duplicates => (
            vec![
                t("월", "month"),
                t("중복지원 차단", "duplicates prevented"),
                t("예외 승인", "overrides approved"),
                t("예외 반려", "overrides rejected"),
            ],
            r.duplicates
                .per_month
                .iter()
                .map(|m| {
                    vec![
                        m.month.clone(),
                        m.prevented.to_string(),
                        m.overrides_approved.to_string(),
                        m.overrides_rejected.to_string(),
                    ]
                })
                .collect(),
        ),
        DashboardSection::RepeatedBenefitTypes => (
            vec![
                t("급여유형", "benefit type"),
                t("반복 수급자 수", "recipients with repeats"),
                t("반복 건수", "repeat allocations"),
            ],
            r.repeated_benefit_types
                .iter()
                .map(|x| {
                    vec![
                        x.label.clone(),
                        x.recipients.to_string(),
                        x.repeats.to_string(),
                    ]
                })
                .collect(),
        ),
        DashboardSection::MinistrySummary => (
            vec![
                t("구분", "measure"),
                t("항목", "item"),
                count.clone(),
                t("금액(원)", "amount (KRW)"),
            ],
            r.ministry_summary
                .iter()
                .map(|x| {
                    vec![
                        x.measure_label.clone(),
                        x.label.clone(),
                        x.count.to_string(),
                        opt(x.amount),
                    ]
                })
                .collect(),
        ),
    }
}

/// The coordinator dashboard's figures for the district and period: cases by status, risk and
/// lead organization (cases active in the period); new and closed cases per month; overdue plan
/// reviews; allocations per month by benefit type, provider and dong centre; duplicates
/// prevented and overrides approved or rejected; the benefit types most often given again to
/// the same person. Counts only, no person data. Coordinators and auditors of the district.
/// JSON, or one `section` as CSV / XLSX by `Accept` (Korean headers; English by
/// `Accept-Language`). Months are Korean months.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(DashboardQuery),
    responses((status = 200, description = "The dashboard's figures, or one section as a table", content(
        (DashboardReport = "application/json"),
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )))
)]
#[get("/reports/dashboard")]
pub async fn get_dashboard_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DashboardQuery>,
) -> ApiResult<HttpResponse> {
    let fmt = format(&req);
    dashboard_report(&req, &state, auth, query.into_inner(), fmt).await
}

/// One section of the dashboard
/// as CSV: counts only, Korean headers (English by `Accept-Language`).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(DashboardExportQuery),
    responses((status = 200, description = "The section as CSV", content_type = "text/csv", body = String))
)]
#[get("/reports/dashboard.csv")]
pub async fn export_dashboard_report_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DashboardExportQuery>,
) -> ApiResult<HttpResponse> {
    dashboard_report(&req, &state, auth, query.into_inner().into(), Format::Csv).await
}

/// One section of the dashboard as an XLSX workbook.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(DashboardExportQuery),
    responses((status = 200, description = "The section as XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String))
)]
#[get("/reports/dashboard.xlsx")]
pub async fn export_dashboard_report_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DashboardExportQuery>,
) -> ApiResult<HttpResponse> {
    dashboard_report(&req, &state, auth, query.into_inner().into(), Format::Xlsx).await
}

async fn dashboard_report(
    req: &HttpRequest,
    state: &AppState,
    auth: AuthUser,
    q: DashboardQuery,
    fmt: Format,
) -> ApiResult<HttpResponse> {
    let section = match (&fmt, q.section) {
        (Format::Json, _) => None,
        (_, Some(s)) => Some(s),
        (_, None) => {
            return Err(ApiError::field(
                "section",
                "required",
                "a CSV or XLSX download is one section of the dashboard",
            ))
        }
    };
    // Dates a district's work can have; far years would only overflow the month arithmetic.
    for (name, day) in [("from", q.from), ("to", q.to)] {
        if day.is_some_and(|d| !(2000..=2100).contains(&d.year())) {
            return Err(ApiError::field(
                name,
                "out_of_range",
                "must be a date from 2000 to 2100",
            ));
        }
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if (t - f).num_days() > MAX_PERIOD_DAYS {
            return Err(ApiError::field(
                "to",
                "out_of_range",
                "the period is at most ten years",
            ));
        }
        if f > t {
            return Err(ApiError::field(
                "from",
                "out_of_range",
                "must not be after `to`",
            ));
        }
    }
    let s = super::reports::scope(
        state,
        &auth,
        super::reports::ReportQuery {
            district_code: q.district_code,
            from: q.from,
            to: q.to,
        },
    )?;
    let s2 = s.clone();
    let s3 = s.clone();
    let d = state
        .db
        .report(
            auth,
            "report",
            None,
            move |c, a| dashboard::dashboard(c, a, &s2),
            move |tx, _: &dashboard::Dashboard| {
                let period = serde_json::json!({ "from": s3.from, "to": s3.to });
                reports::record_export(tx, "report_dashboard", &s3, Some(period))
            },
        )
        .await?;
    let en = wants_english(req);
    let r = report(&s, d, en);
    let Some(section) = section else {
        return Ok(HttpResponse::Ok()
            .insert_header(super::reports::VARY_ACCEPT)
            .json(r));
    };
    let (head, rows) = section_table(&r, section, en);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let name = file_name(&format!("dashboard_{}", section.as_str()), &s);
    table_response(fmt, &name, &head, rows)
}

/// The page and its assets, compiled into the binary.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../dashboard/index.html"),
    },
    Asset {
        path: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../dashboard/app.js"),
    },
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../dashboard/app.css"),
    },
    Asset {
        path: "vendor/chart.umd.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../dashboard/vendor/chart.umd.min.js"),
    },
    Asset {
        path: "vendor/LICENSE-chart.js.md",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../dashboard/vendor/LICENSE-chart.js.md"),
    },
];

/// Only the page's own origin: no inline script or style, no other host, no framing.
pub const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// `GET /dashboard/{file}`: the page and its assets, with a strict CSP.
pub async fn dashboard_asset(path: web::Path<String>) -> ApiResult<HttpResponse> {
    let wanted = path.into_inner();
    let wanted = if wanted == "index.html" {
        ""
    } else {
        wanted.as_str()
    };
    match ASSETS.iter().find(|a| a.path == wanted) {
        Some(a) => Ok(HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CONTENT_SECURITY_POLICY, DASHBOARD_CSP))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(a.body)),
        None => Err(ApiError::NotFound),
    }
}

/// `GET /dashboard` → `/dashboard/`.
pub async fn dashboard_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, "/dashboard/"))
        .finish()
}
