//! Donations (후원·기탁) received by an organization, and the stock (재고) goods become.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;
use hamkke_domain::person::{Flag, Rrn};
use hamkke_persistence::repo::donations::{self, Gift, NewDonation};
use hamkke_persistence::repo::receipts;
use hamkke_persistence::repo::stock::Designation;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::common::{named, FromNamed};
use crate::dto::donations::{
    CreateDonationRequest, DesignationDto, DonationPage, DonationView, DonorKindDto, Stock,
    StockView,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{page_request, ValidJson};
use crate::state::AppState;

/// A business number's ten digits with its check digit right (사업자등록번호).
fn business_number(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| *c != '-').collect();
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = d.iter().zip(weights).map(|(x, w)| x * w).sum();
    sum += d[8] * 5 / 10;
    ((10 - sum % 10) % 10 == d[9]).then_some(digits)
}

fn new_donation(b: CreateDonationRequest) -> ApiResult<NewDonation> {
    let today = hamkke_domain::today();
    if b.received_on > today || b.received_on.year() < 2000 {
        return Err(ApiError::field(
            "received_on",
            "out_of_range",
            "must be a day from 2000 to today",
        ));
    }
    if b.expires_on
        .is_some_and(|e| e.year() > 2100 || e.year() < 2000)
    {
        return Err(ApiError::field(
            "expires_on",
            "out_of_range",
            "must be a day from 2000 to 2100",
        ));
    }
    let identifier = match (b.donor_identifier.as_deref(), b.donor_kind) {
        (None, _) => None,
        (Some(raw), DonorKindDto::Person) => Some(
            Rrn::parse(raw)
                .map_err(|_| {
                    ApiError::field(
                        "donor_identifier",
                        "invalid_rrn",
                        "a person's resident registration number, YYMMDD-GNNNNNN",
                    )
                })?
                .digits()
                .to_owned(),
        ),
        (Some(raw), DonorKindDto::Company) => Some(business_number(raw).ok_or_else(|| {
            ApiError::field(
                "donor_identifier",
                "invalid_business_number",
                "a company's business number, NNN-NN-NNNNN with its check digit",
            )
        })?),
    };
    let gift =
        match (b.amount, b.resource_id, b.quantity) {
            (Some(amount), None, None) if b.expires_on.is_none() && b.value.is_none() => {
                Gift::Cash { amount }
            }
            (None, Some(resource_id), Some(quantity)) => Gift::Goods {
                resource_id,
                quantity,
                expires_on: b.expires_on,
            },
            _ => return Err(ApiError::field(
                "amount",
                "required",
                "cash gives `amount`; goods give `resource_id` and `quantity` (and `expires_on`)",
            )),
        };
    let missing = |field: &'static str| {
        ApiError::field(field, "required", "the designation names what it is for")
    };
    let kind = b.designation.unwrap_or(DesignationDto::None);
    for (field, given, belongs) in [
        (
            "designated_organization_id",
            b.designated_organization_id.is_some(),
            matches!(kind, DesignationDto::Organization),
        ),
        (
            "designated_campaign_id",
            b.designated_campaign_id.is_some(),
            matches!(kind, DesignationDto::Campaign),
        ),
        (
            "designated_group",
            b.designated_group.is_some(),
            matches!(kind, DesignationDto::Group),
        ),
    ] {
        if given && !belongs {
            return Err(ApiError::field(
                field,
                "not_allowed",
                "only with the designation it belongs to",
            ));
        }
    }
    let designation = match kind {
        DesignationDto::None => Designation::None,
        DesignationDto::Organization => Designation::Org(
            b.designated_organization_id
                .ok_or_else(|| missing("designated_organization_id"))?,
        ),
        DesignationDto::Campaign => Designation::Campaign(
            b.designated_campaign_id
                .ok_or_else(|| missing("designated_campaign_id"))?,
        ),
        DesignationDto::Group => Designation::Group(Flag::from(
            b.designated_group
                .ok_or_else(|| missing("designated_group"))?,
        )),
    };
    Ok(NewDonation {
        donor_kind: match b.donor_kind {
            DonorKindDto::Person => "person",
            DonorKindDto::Company => "company",
        }
        .to_owned(),
        donor_name: b.donor_name.trim().to_owned(),
        donor_contact: b.donor_contact.map(|c| c.trim().to_owned()),
        donor_identifier: identifier,
        gift,
        designation,
        received_on: b.received_on,
        value: b.value,
    })
}

/// Records a donation received by the caller's organization (후원·기탁 접수): cash, or goods
/// that become stock of one of its resources — allocations of that resource then draw it down
/// (409 `out_of_stock` when what they may use is not enough). A designated gift (지정기탁) is
/// given only as designated.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    request_body = CreateDonationRequest,
    responses((status = 201, description = "Recorded", body = DonationView))
)]
#[post("/donations")]
pub async fn create_donation(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateDonationRequest>,
) -> ApiResult<HttpResponse> {
    let new = new_donation(body.0)?;
    let keys = state.person_keys.clone();
    let d = state
        .db
        .write(auth, "donation", None, move |tx| {
            hamkke_persistence::app::donations::record(tx, &keys, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    let view = DonationView::named(d.0, &d.1);
    Ok(HttpResponse::Created()
        .insert_header(super::location("donations", view.id))
        .json(view))
}

/// Donations the caller may see, newest first: its organization's, and the district's for
/// coordinators and auditors.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(crate::dto::campaigns::ListCampaignsQuery),
    responses((status = 200, description = "A page of donations", body = DonationPage))
)]
#[get("/donations")]
pub async fn list_donations(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<crate::dto::campaigns::ListCampaignsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let p = state
        .db
        .as_user(auth, "donation", None, move |c, a, _| {
            donations::list(c, a, page).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(DonationPage::named(p.0, &p.1)))
}

/// One donation.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Donation id")),
    responses((status = 200, description = "The donation", body = DonationView))
)]
#[get("/donations/{id}")]
pub async fn get_donation(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let d = state
        .db
        .as_user(auth, "donation", Some(id.to_string()), move |c, a, _| {
            donations::load(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(DonationView::named(d.0, &d.1)))
}

/// A resource's stock by lot (expiry, designation, received, left): for its organization and
/// the district's coordinators and auditors.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resource id")),
    responses((status = 200, description = "The stock", body = StockView))
)]
#[get("/resources/{id}/stock")]
pub async fn get_resource_stock(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let today = hamkke_domain::today();
    let s = state
        .db
        .as_user(auth, "stock", Some(id.to_string()), move |c, a, _| {
            let lots = donations::stock_of(c, a, id)?;
            named(
                c,
                a,
                Stock {
                    resource_id: id,
                    lots,
                    today,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(StockView::named(s.0, &s.1)))
}

/// Where a donation's goods went (기부자 보고): allocations and units by the recipients' dong of
/// residence and by benefit type, given and left — no person data. Cash is not traced to
/// allocations.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Donation id")),
    responses((status = 200, description = "The report", body = crate::dto::donations::DonorReportView))
)]
#[get("/donations/{id}/report")]
pub async fn get_donation_report(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = state
        .db
        .as_user(auth, "donation", Some(id.to_string()), move |c, a, _| {
            donations::report(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(crate::dto::donations::DonorReportView::named(r.0, &r.1)))
}

/// Issues the donation's receipt (기부금 영수증, the receiving organization): numbered per
/// organization and year of issue without gaps (`2026-0001`); asked again, it is reissued
/// under the same number and marked 재발급.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Donation id")),
    responses(
        (status = 201, description = "Issued", body = crate::dto::donations::ReceiptView),
        (status = 200, description = "Reissued under its number", body = crate::dto::donations::ReceiptView),
    )
)]
#[post("/donations/{id}/receipt")]
pub async fn create_donation_receipt(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (receipt, reissued) = state
        .db
        .write(auth, "donation_receipt", Some(id.to_string()), move |tx| {
            receipts::issue(tx, id)
        })
        .await?;
    let view = crate::dto::donations::ReceiptView::new(receipt, reissued);
    Ok(if reissued {
        HttpResponse::Ok().json(view)
    } else {
        HttpResponse::Created().json(view)
    })
}

/// The issued receipt as a printable page in Korean (the form's fields: 일련번호, 기부자 with the
/// identifier the tax office needs, 기부금 단체 with its 고유번호, 기부 내용, 용도; 재발급 marked),
/// or as an A4 PDF with the Korean font embedded when `Accept` prefers `application/pdf`: only
/// the receiving organization reads it, and every reading is audited.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Donation id")),
    responses((status = 200, description = "The printable receipt", content(
        (String = "text/html"),
        (Vec<u8> = "application/pdf"),
    )))
)]
#[get("/donations/{id}/receipt")]
pub async fn get_donation_receipt(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let as_pdf = crate::negotiate::choose(accept, &["text/html", PDF]) == PDF;
    receipt(&state, auth, id.into_inner(), as_pdf).await
}

/// The issued receipt as an A4 PDF (기부금 영수증, NanumGothic embedded and subset; prints the
/// same anywhere). Only the receiving organization; every reading is audited.
#[utoipa::path(
    tag = "donations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Donation id")),
    responses((status = 200, description = "The receipt as PDF", content_type = "application/pdf", body = Vec<u8>))
)]
#[get("/donations/{id}/receipt.pdf")]
pub async fn export_donation_receipt_pdf(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    receipt(&state, auth, id.into_inner(), true).await
}

const PDF: &str = "application/pdf";

async fn receipt(
    state: &AppState,
    auth: Caller,
    id: Uuid,
    as_pdf: bool,
) -> ApiResult<HttpResponse> {
    let keys = state.person_keys.clone();
    let doc = state
        .db
        .read(auth, "donation_receipt", Some(id.to_string()), move |rx| {
            receipts::document(rx, &keys, id)
        })
        .await?;
    let form = crate::receipt::form(&doc);
    if as_pdf {
        let bytes = crate::receipt::pdf(&form).map_err(|_| ApiError::Internal)?;
        return Ok(HttpResponse::Ok()
            .content_type(PDF)
            .insert_header(super::reports::VARY_ACCEPT)
            .insert_header(("Cache-Control", "no-store"))
            .insert_header((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"donation_receipt_{}.pdf\"",
                    form.number
                ),
            ))
            .body(bytes));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(super::reports::VARY_ACCEPT)
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .insert_header(("Content-Language", "ko"))
        .body(crate::receipt::html(&form)))
}
