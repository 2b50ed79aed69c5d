//! Households, persons and consents.

use super::common::{FromNamed, PersonShown, Refers};
use chrono::{DateTime, NaiveDate, Utc};
use hamkke_domain::consent::{Consent, ConsentScope};
use hamkke_domain::person::{Flag, Household, NewPerson, PersonPatch, PersonView, Rrn, Sex};
use hamkke_persistence::repo::consents::NewConsent;
use hamkke_persistence::repo::households::{HouseholdPatch, NewHousehold};
use hamkke_persistence::repo::names::{Names, Wanted};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::double_option;
use crate::error::ApiError;

macro_rules! mirror_enum {
    ($(#[$m:meta])* $dto:ident => $domain:path { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $dto { $($v),+ }

        impl From<$dto> for $domain {
            fn from(v: $dto) -> Self {
                match v { $($dto::$v => <$domain>::$v),+ }
            }
        }

        impl From<$domain> for $dto {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$v => $dto::$v),+ }
            }
        }
    };
}
pub(crate) use mirror_enum;

mirror_enum!(
    /// Sex as recorded.
    SexDto => Sex { Male, Female, Other }
);

mirror_enum!(
    /// Vulnerability flags.
    FlagDto => Flag {
        SinglePersonHousehold, ElderlyLivingAlone, Disability, SingleParent, ChildHeaded,
        GrandparentHeaded, Multicultural, NorthKoreanDefector, LowIncome, Homeless, SocialIsolation,
    }
);

mirror_enum!(
    /// Whom a consent covers: the organizations taking part in the person's cases when it is
    /// recorded (listed in `organization_ids`; one joining later is not covered), or the
    /// listed ones.
    ConsentScopeDto => ConsentScope { CaseParticipants, Organizations }
);

/// Registers a household.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHouseholdRequest {
    /// Road address (도로명주소).
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    /// Administrative dong code (행정동 코드), 10 digits.
    #[validate(length(equal = 10, message = "must be 10 digits"))]
    #[schema(pattern = "^[0-9]{10}$")]
    pub admin_dong_code: Option<String>,
}

impl From<CreateHouseholdRequest> for NewHousehold {
    fn from(r: CreateHouseholdRequest) -> Self {
        NewHousehold {
            address: r.address.trim().to_owned(),
            admin_dong_code: r.admin_dong_code,
        }
    }
}

/// Changes a household.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateHouseholdRequest {
    /// The address.
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub address: Option<String>,
    /// The 행정동 code of the address (10 digits), for reports by dong of residence.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub admin_dong_code: Option<Option<String>>,
}

impl TryFrom<UpdateHouseholdRequest> for HouseholdPatch {
    type Error = ApiError;
    fn try_from(r: UpdateHouseholdRequest) -> Result<Self, ApiError> {
        if let Some(Some(code)) = &r.admin_dong_code {
            if code.len() != 10 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::field(
                    "admin_dong_code",
                    "length",
                    "must be 10 digits",
                ));
            }
        }
        Ok(HouseholdPatch {
            address: r.address.map(|a| a.trim().to_owned()),
            admin_dong_code: r.admin_dong_code,
        })
    }
}

/// A household with its members as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: Uuid,
    pub address: String,
    pub admin_dong_code: Option<String>,
    pub registered_by_org_id: Uuid,
    pub members: Vec<PersonDto>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<(Household, Vec<PersonView>)> for HouseholdView {
    fn from((h, members): (Household, Vec<PersonView>)) -> Self {
        Self {
            id: h.id,
            address: h.address,
            admin_dong_code: h.admin_dong_code,
            registered_by_org_id: h.registered_by_org_id,
            members: members.into_iter().map(Into::into).collect(),
            version: h.version,
            created_at: h.created_at,
            updated_at: h.updated_at,
        }
    }
}

/// A household in a listing (members omitted).
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdSummary {
    pub id: Uuid,
    pub address: String,
    pub admin_dong_code: Option<String>,
    pub version: i32,
}

impl From<Household> for HouseholdSummary {
    fn from(h: Household) -> Self {
        Self {
            id: h.id,
            address: h.address,
            admin_dong_code: h.admin_dong_code,
            version: h.version,
        }
    }
}

crate::page_of!(
    HouseholdPage,
    HouseholdSummary,
    "A page of the organization's households."
);

/// Registers a person.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePersonRequest {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// Full name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Date of birth; derived from the RRN when that is given.
    pub birth_date: NaiveDate,
    /// Sex as registered.
    pub sex: Option<SexDto>,
    /// 주민등록번호, `YYMMDD-GNNNNNN`. Stored only encrypted; never returned.
    #[schema(write_only, example = "900101-1234568")]
    pub rrn: Option<String>,
    /// A phone number.
    #[validate(length(min = 1, max = 30, message = "must be 1 to 30 characters"))]
    #[schema(min_length = 1, max_length = 30)]
    pub phone: Option<String>,
    /// The address.
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub address: Option<String>,
    /// The household the person belongs to.
    pub household_id: Option<Uuid>,
    /// Circumstances that matter for services (독거노인, 장애, …).
    #[validate(length(max = 11, message = "at most 11 flags"))]
    #[schema(max_items = 11)]
    pub flags: Option<Vec<FlagDto>>,
}

impl TryFrom<CreatePersonRequest> for NewPerson {
    type Error = ApiError;
    fn try_from(r: CreatePersonRequest) -> Result<Self, ApiError> {
        let today = hamkke_domain::now().date_naive();
        hamkke_domain::person::check_birth_date(r.birth_date, today)?;
        let rrn = r.rrn.as_deref().map(Rrn::parse).transpose()?;
        if let Some(rrn) = &rrn {
            hamkke_domain::person::check_rrn_matches(rrn, r.birth_date)?;
        }
        Ok(NewPerson {
            name: r.name.trim().to_owned(),
            birth_date: r.birth_date,
            sex: r.sex.map(Into::into),
            rrn,
            phone: r.phone,
            address: r.address,
            household_id: r.household_id,
            flags: r
                .flags
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        })
    }
}

/// Changes a person; absent fields stay, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePersonRequest {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// Full name.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Sex as registered.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<SexDto>)]
    pub sex: Option<Option<SexDto>>,
    /// A phone number.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// The address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// The household the person belongs to.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub household_id: Option<Option<Uuid>>,
    /// Circumstances that matter for services (replaces the list).
    #[validate(length(max = 11, message = "at most 11 flags"))]
    #[schema(max_items = 11)]
    pub flags: Option<Vec<FlagDto>>,
}

impl TryFrom<UpdatePersonRequest> for PersonPatch {
    type Error = ApiError;
    fn try_from(r: UpdatePersonRequest) -> Result<Self, ApiError> {
        let too_long = |v: &Option<Option<String>>, max: usize| {
            v.as_ref()
                .and_then(|o| o.as_ref())
                .is_some_and(|s| s.is_empty() || s.chars().count() > max)
        };
        if too_long(&r.phone, 30) {
            return Err(ApiError::field(
                "phone",
                "length",
                "must be 1 to 30 characters",
            ));
        }
        if too_long(&r.address, 300) {
            return Err(ApiError::field(
                "address",
                "length",
                "must be 1 to 300 characters",
            ));
        }
        Ok(PersonPatch {
            name: r.name.map(|n| n.trim().to_owned()),
            sex: r.sex.map(|s| s.map(Into::into)),
            phone: r.phone,
            address: r.address,
            household_id: r.household_id,
            flags: r.flags.map(|f| f.into_iter().map(Into::into).collect()),
        })
    }
}

/// A person as the caller may see them. With `redacted: true` only the masked name, birth
/// year, registering organization and lead organizations of open cases are present — enough
/// to avoid duplicates, not enough to profile. Other fields are then null.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: Uuid,
    pub redacted: bool,
    /// Full name (null when redacted).
    pub name: Option<String>,
    /// Masked name, e.g. `김*수` (null when not redacted).
    pub name_masked: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: i32,
    pub sex: Option<SexDto>,
    /// e.g. `900101-1******`; the full number is never returned.
    pub rrn_masked: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_id: Option<Uuid>,
    pub flags: Vec<FlagDto>,
    pub registered_by_org_id: Uuid,
    /// The registering organization's name.
    pub registered_by_org_name: String,
    /// The district the person belongs to.
    pub district_code: String,
    /// Lead organizations of the person's open cases (redacted view only).
    pub open_case_lead_org_ids: Vec<Uuid>,
    /// Their names, in the order of `open_case_lead_org_ids`.
    pub open_case_lead_org_names: Vec<String>,
    pub version: Option<i32>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// On registration without an RRN: persons of the district who may be the same, strongest
    /// first (queued for the coordinators' review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_duplicates: Option<Vec<PossibleDuplicateDto>>,
}

/// A person of the district who may be the same as another: no more than any worker of the
/// district may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct PossibleDuplicateDto {
    pub person_id: Uuid,
    /// 0–100; 60 and more is a possible duplicate, 80 and more a strong one.
    pub score: u8,
    /// `same_name_and_birth_date`, `similar_name_same_birth_date`,
    /// `same_name_swapped_birth_date`, `similar_name_swapped_birth_date`,
    /// `same_name_same_birth_year`, `same_phone`, `same_household_address`,
    /// `rrn_birth_date_matches`, `different_sex`.
    pub reasons: Vec<String>,
    pub masked_name: String,
    pub birth_year: i32,
    pub registered_by_org_id: Uuid,
    /// e.g. `공덕동 주민센터`: whom to ask.
    pub registered_by_org_name: String,
}

impl From<hamkke_persistence::repo::identity::Candidate> for PossibleDuplicateDto {
    fn from(c: hamkke_persistence::repo::identity::Candidate) -> Self {
        Self {
            person_id: c.person_id,
            score: c.score,
            reasons: c.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
            masked_name: c.masked_name,
            birth_year: c.birth_year,
            registered_by_org_id: c.registered_by_org_id,
            registered_by_org_name: c.registered_by_org_name,
        }
    }
}

/// What registration does when persons of the district may be the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnPossibleDuplicate {
    /// Register and list them (default).
    Report,
    /// Register nothing: 409 `possible_duplicate_person` with the candidates.
    Refuse,
}

/// Query of `POST /persons`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreatePersonQuery {
    pub on_possible_duplicate: Option<OnPossibleDuplicate>,
}

impl From<PersonView> for PersonDto {
    fn from(v: PersonView) -> Self {
        use chrono::Datelike;
        match v {
            PersonView::Full(p) => Self {
                id: p.id,
                redacted: false,
                name: Some(p.name),
                name_masked: None,
                birth_date: Some(p.birth_date),
                birth_year: p.birth_date.year(),
                sex: p.sex.map(Into::into),
                rrn_masked: p.rrn_masked,
                phone: p.phone,
                address: p.address,
                household_id: p.household_id,
                flags: p.flags.into_iter().map(Into::into).collect(),
                registered_by_org_id: p.registered_by_org_id,
                registered_by_org_name: String::new(),
                district_code: p.district_code,
                open_case_lead_org_ids: Vec::new(),
                open_case_lead_org_names: Vec::new(),
                version: Some(p.version),
                created_at: Some(p.created_at),
                updated_at: Some(p.updated_at),
                possible_duplicates: None,
            },
            PersonView::Redacted {
                id,
                name_masked,
                birth_year,
                registered_by_org_id,
                district_code,
                open_case_lead_org_ids,
            } => Self {
                district_code,
                id,
                redacted: true,
                name: None,
                name_masked: Some(name_masked),
                birth_date: None,
                birth_year,
                sex: None,
                rrn_masked: None,
                phone: None,
                address: None,
                household_id: None,
                flags: Vec::new(),
                registered_by_org_id,
                registered_by_org_name: String::new(),
                open_case_lead_org_ids,
                open_case_lead_org_names: Vec::new(),
                version: None,
                created_at: None,
                updated_at: None,
                possible_duplicates: None,
            },
        }
    }
}

impl Refers for PersonView {
    fn refers(&self, w: &mut Wanted) {
        match self {
            PersonView::Full(p) => {
                w.org(p.registered_by_org_id);
            }
            PersonView::Redacted {
                registered_by_org_id,
                open_case_lead_org_ids,
                ..
            } => {
                w.org(*registered_by_org_id)
                    .orgs(open_case_lead_org_ids.iter().copied().map(Some));
            }
        }
    }
}

impl FromNamed<PersonView> for PersonDto {
    fn named(v: PersonView, n: &Names) -> Self {
        let mut dto = PersonDto::from(v);
        dto.registered_by_org_name = n.org(dto.registered_by_org_id);
        dto.open_case_lead_org_names = dto
            .open_case_lead_org_ids
            .iter()
            .map(|o| n.org(*o))
            .collect();
        dto
    }
}

impl Refers for hamkke_persistence::repo::persons::SearchResult {
    fn refers(&self, w: &mut Wanted) {
        self.page.refers(w);
    }
}

/// A person registered in another district, found by exact RRN: only where they are
/// registered, nothing else (a coordinator may ask for a transfer, 전입).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredElsewhere {
    pub person_id: Uuid,
    pub district_code: String,
}

/// Persons found: those of the caller's district it may find, each full or redacted, and for
/// an exact RRN registered in another district only that district.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<PersonDto>,
    /// Pass as `cursor` to get the next page; null on the last page. A page may hold fewer
    /// items than `limit` (persons the caller may not find are skipped), yet not be the last.
    pub next_cursor: Option<String>,
    pub registered_elsewhere: Vec<RegisteredElsewhere>,
}

impl FromNamed<hamkke_persistence::repo::persons::SearchResult> for PersonPage {
    fn named(r: hamkke_persistence::repo::persons::SearchResult, n: &Names) -> Self {
        Self {
            items: super::common::named_each(r.page.items, n),
            next_cursor: r.page.next_after.map(crate::extract::encode_cursor),
            registered_elsewhere: r
                .elsewhere
                .into_iter()
                .map(|(person_id, district_code)| RegisteredElsewhere {
                    person_id,
                    district_code,
                })
                .collect(),
        }
    }
}

/// Filters of `GET /persons`: at least one of `q` and `birth_date`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchPersonsQuery {
    /// A name prefix, or an exact resident registration number.
    #[param(max_length = 100)]
    pub q: Option<String>,
    pub birth_date: Option<NaiveDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Records a consent (정보제공동의).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConsentRequest {
    /// What the data may be used for.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub purpose: String,
    /// What the consent covers.
    pub scope: ConsentScopeDto,
    /// Required for scope `organizations`, absent for `case_participants`.
    #[validate(length(max = 50, message = "at most 50 organizations"))]
    #[schema(max_items = 50)]
    pub organization_ids: Option<Vec<Uuid>>,
    /// When the consent ends (UTC).
    pub expires_at: DateTime<Utc>,
    /// Where the paper form is kept, e.g. a document number. A consent that gives the recording
    /// organization access to the person it did not have is `self_recorded`: it is in force
    /// only once its signed form is attached (`POST /attachments`, subject `consent`, kind
    /// `consent_form`), and the registering organization and the district's coordinators are
    /// told and may revoke it.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub evidence_ref: Option<String>,
}

impl From<CreateConsentRequest> for NewConsent {
    fn from(r: CreateConsentRequest) -> Self {
        let mut orgs = r.organization_ids.unwrap_or_default();
        orgs.sort();
        orgs.dedup();
        NewConsent {
            purpose: r.purpose.trim().to_owned(),
            scope: r.scope.into(),
            organization_ids: orgs,
            expires_at: r.expires_at,
            evidence_ref: r.evidence_ref,
        }
    }
}

/// A consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub purpose: String,
    pub scope: ConsentScopeDto,
    pub organization_ids: Vec<Uuid>,
    /// The organizations' names, in the order of `organization_ids`.
    pub organization_names: Vec<String>,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Not withdrawn and not expired now.
    pub live: bool,
    pub evidence_ref: Option<String>,
    pub recorded_by: Uuid,
    /// The recording worker's name.
    pub recorded_by_name: String,
    pub recorded_by_org_id: Uuid,
    /// The recording organization's name.
    pub recorded_by_org_name: String,
    /// The person's name as the caller may see it (masked unless it sees their details).
    pub person_name: Option<String>,
    pub person_name_masked: bool,
    /// Recorded by an organization it gave access it did not have: listed for the review of
    /// the registering organization and the district's coordinators.
    pub self_recorded: bool,
    /// A self-recorded consent whose signed form is not yet attached: it gives nobody access
    /// until the recording organization uploads the form (`POST /attachments`, subject
    /// `consent`, kind `consent_form`).
    pub awaits_form: bool,
    /// When the signed form was attached (self-recorded consents).
    pub form_attached_at: Option<DateTime<Utc>>,
    /// Why a reviewer revoked it.
    pub revoked_reason: Option<String>,
}

/// Revokes a consent an organization recorded for itself.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeConsentRequest {
    /// Why it is revoked.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Filters of `GET /consents/self-recorded`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SelfRecordedQuery {
    /// Also withdrawn and revoked ones.
    pub include_closed: Option<bool>,
}

impl Refers for Consent {
    fn refers(&self, w: &mut Wanted) {
        w.orgs(self.organization_ids.iter().copied().map(Some))
            .org(self.recorded_by_org_id)
            .user(self.recorded_by)
            .person(self.person_id);
    }
}

impl FromNamed<Consent> for ConsentView {
    fn named(c: Consent, n: &Names) -> Self {
        let person = PersonShown::of(n, c.person_id);
        Self {
            live: c.is_live(hamkke_domain::now()),
            awaits_form: c.awaits_form(),
            form_attached_at: c.form_attached_at,
            id: c.id,
            person_id: c.person_id,
            person_name: person.name,
            person_name_masked: person.masked,
            purpose: c.purpose,
            scope: c.scope.into(),
            organization_names: c.organization_ids.iter().map(|o| n.org(*o)).collect(),
            organization_ids: c.organization_ids,
            recorded_by_name: n.user(c.recorded_by),
            recorded_by_org_name: n.org(c.recorded_by_org_id),
            granted_at: c.granted_at,
            expires_at: c.expires_at,
            withdrawn_at: c.withdrawn_at,
            evidence_ref: c.evidence_ref,
            recorded_by: c.recorded_by,
            recorded_by_org_id: c.recorded_by_org_id,
            self_recorded: c.self_recorded,
            revoked_reason: c.revoked_reason,
        }
    }
}

/// A person's consents.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    pub items: Vec<ConsentView>,
}

/// Filters of `GET /person-duplicates`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDuplicatesQuery {
    /// The caller's district (default); another district answers 404.
    #[param(pattern = "^[0-9]{5}$")]
    pub district_code: Option<String>,
    pub status: Option<DuplicateStatusDto>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}

/// Where a pair of possible duplicates stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateStatusDto {
    Open,
    Merged,
    Dismissed,
}

impl DuplicateStatusDto {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Merged => "merged",
            Self::Dismissed => "dismissed",
        }
    }
}

/// Two persons who may be the same, for a coordinator's review.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatePairView {
    pub id: Uuid,
    pub district_code: String,
    pub person_a: PossibleDuplicateDto,
    pub person_b: PossibleDuplicateDto,
    /// 0–100.
    pub score: u8,
    pub reasons: Vec<String>,
    pub status: DuplicateStatusDto,
    /// `registration` or `scan`.
    pub found_by: String,
    pub dismiss_reason: Option<String>,
    pub dismissed_until: Option<NaiveDate>,
    pub survivor_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<hamkke_persistence::repo::identity::Pair> for DuplicatePairView {
    fn from(p: hamkke_persistence::repo::identity::Pair) -> Self {
        let status = match p.status.as_str() {
            "merged" => DuplicateStatusDto::Merged,
            "dismissed" => DuplicateStatusDto::Dismissed,
            _ => DuplicateStatusDto::Open,
        };
        Self {
            id: p.id,
            district_code: p.district_code,
            person_a: p.person_a.into(),
            person_b: p.person_b.into(),
            score: p.score,
            reasons: p.reasons,
            status,
            found_by: p.found_by,
            dismiss_reason: p.dismiss_reason,
            dismissed_until: p.dismissed_until,
            survivor_id: p.survivor_id,
            created_at: p.created_at,
        }
    }
}

crate::page_of!(
    DuplicatePairPage,
    DuplicatePairView,
    "A page of possible duplicate pairs."
);

/// Merges a pair into one of its persons.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The person that stays (one of the pair).
    pub survivor_id: Uuid,
}

/// What a merge moved to the survivor.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeResult {
    pub pair: DuplicatePairView,
    pub cases: usize,
    pub case_members: usize,
    pub consents: usize,
    pub notes: usize,
    pub assessments: usize,
    pub allocations: usize,
    pub transfers: usize,
    /// The survivor took the merged record's household.
    pub household: bool,
    /// The survivor took the merged record's RRN.
    pub rrn: bool,
}

/// "Not the same person".
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// Why the two are different people.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// The pair may come back after this date (e.g. when more is known).
    pub until: Option<NaiveDate>,
}
