//! The shared resource ledger and the duplicate-benefit policy (사회보장급여법 §9①: the same
//! benefit must not be given twice). Evaluation is a pure function over the claims the
//! repository loads for the subject.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{str_enum, DomainError, FieldViolation};

str_enum!(
    /// What a resource is.
    Category {
        Heating = "heating",
        Food = "food",
        EmergencyLiving = "emergency_living",
        HousingRepair = "housing_repair",
        Rent = "rent",
        Medical = "medical",
        Education = "education",
        Goods = "goods",
        Service = "service",
        Cash = "cash",
    }
);

str_enum!(
    /// Who pays.
    Funding {
        Public = "public",
        PrivateDonation = "private_donation",
    }
);

str_enum!(
    /// Whom a policy counts against.
    Subject {
        Person = "person",
        Household = "household",
    }
);

str_enum!(
    /// Which earlier allocations count: of the same benefit type (or of its group) from any
    /// organization and resource, or — kept only for policies moved from a resource's own
    /// `scope: category` rule by migration 000008 — of any benefit type of the category.
    Scope {
        BenefitType = "benefit_type",
        Category = "category",
    }
);

str_enum!(
    /// What happens on a conflict.
    Action {
        Block = "block",
        Warn = "warn",
    }
);

str_enum!(
    /// Where an allocation stands.
    AllocationStatus {
        Planned = "planned",
        Approved = "approved",
        Delivered = "delivered",
        Cancelled = "cancelled",
        PendingOverride = "pending_override",
    }
);

impl AllocationStatus {
    /// Claims that count against a policy: everything but cancelled.
    pub fn counts(self) -> bool {
        self != Self::Cancelled
    }
}

/// A day of the year, `MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    pub fn parse(s: &str) -> Option<Self> {
        let (m, d) = s.split_once('-')?;
        if m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (month, day) = (m.parse().ok()?, d.parse().ok()?);
        // 2000 is a leap year, so 02-29 is accepted.
        NaiveDate::from_ymd_opt(2000, month, day).map(|_| Self { month, day })
    }

    pub fn format(self) -> String {
        format!("{:02}-{:02}", self.month, self.day)
    }

    /// This day in `year`; 02-29 falls back to 02-28 in common years.
    fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// The period within which earlier claims count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Claims granted less than `days` days before or after.
    Days(u32),
    /// Claims in the same season (start..=end, inclusive), which may span New Year.
    Season { start: MonthDay, end: MonthDay },
}

impl Window {
    /// The inclusive date range that counts for an allocation on `date`; `None` when a season
    /// does not contain `date` (the policy does not apply then).
    pub fn bounds(self, date: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Window::Days(days) => {
                let span = Duration::days(i64::from(days) - 1);
                Some((
                    date.checked_sub_signed(span).unwrap_or(NaiveDate::MIN),
                    date.checked_add_signed(span).unwrap_or(NaiveDate::MAX),
                ))
            }
            Window::Season { start, end } => {
                let y = date.year();
                if start <= end {
                    let (s, e) = (start.in_year(y), end.in_year(y));
                    (s <= date && date <= e).then_some((s, e))
                } else if date >= start.in_year(y) {
                    Some((start.in_year(y), end.in_year(y + 1)))
                } else if date <= end.in_year(y) {
                    Some((start.in_year(y - 1), end.in_year(y)))
                } else {
                    None
                }
            }
        }
    }
}

/// How far before and after today a benefit may be recorded as granted (a typo such as year
/// 0206 or 9999 would otherwise sit in the ledger and skew every later check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantedOnBounds {
    pub years_back: u32,
    pub years_ahead: u32,
}

impl Default for GrantedOnBounds {
    fn default() -> Self {
        Self {
            years_back: 5,
            years_ahead: 1,
        }
    }
}

/// Checks `granted_on` against the bounds around `today`.
pub fn check_granted_on(
    granted_on: NaiveDate,
    today: NaiveDate,
    bounds: GrantedOnBounds,
) -> Result<(), DomainError> {
    let earliest = today
        .checked_sub_months(chrono::Months::new(12 * bounds.years_back))
        .unwrap_or(NaiveDate::MIN);
    let latest = today
        .checked_add_months(chrono::Months::new(12 * bounds.years_ahead))
        .unwrap_or(NaiveDate::MAX);
    if granted_on < earliest || granted_on > latest {
        return Err(DomainError::invalid(
            "granted_on",
            "out_of_range",
            format!(
                "must be between {earliest} and {latest} ({} years back, {} ahead)",
                bounds.years_back, bounds.years_ahead
            ),
        ));
    }
    Ok(())
}

/// A policy that limits amounts needs every allocation to state a positive amount, or leaving
/// it out (or sending 0) would pass any limit.
pub fn check_amount(policy: &DuplicatePolicy, amount: Option<i64>) -> Result<(), DomainError> {
    if policy.max_amount.is_some() && amount.is_none_or(|a| a <= 0) {
        return Err(DomainError::invalid(
            "amount",
            "required",
            "this benefit limits amounts: give the amount (greater than 0)",
        ));
    }
    Ok(())
}

/// A resource's duplicate policy, parsed once and always coherent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicatePolicy {
    pub subject: Subject,
    pub scope: Scope,
    pub window: Window,
    pub max_count: Option<u32>,
    pub max_amount: Option<i64>,
    pub action: Action,
}

/// The raw parts of a policy, as received.
#[derive(Debug, Clone)]
pub struct PolicyInput {
    pub subject: Subject,
    pub scope: Scope,
    pub window_kind: String,
    pub days: Option<i64>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub max_count: Option<i64>,
    pub max_amount: Option<i64>,
    pub action: Action,
}

impl DuplicatePolicy {
    /// Builds a policy, refusing incoherent ones: no limit, a limit below one, days ≤ 0, or
    /// season dates that are not days of the year.
    pub fn parse(p: PolicyInput) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let f = |field: &str, code: &'static str, msg: &str| {
            FieldViolation::new(format!("duplicate_policy.{field}"), code, msg)
        };
        let window = match p.window_kind.as_str() {
            "days" => match p.days {
                Some(d) if (1..=3660).contains(&d) => Some(Window::Days(d as u32)),
                Some(_) => {
                    errors.push(f("window.days", "range", "must be 1 to 3660"));
                    None
                }
                None => {
                    errors.push(f("window.days", "required", "a days window needs days"));
                    None
                }
            },
            "season" => {
                let start = p.start.as_deref().and_then(MonthDay::parse);
                let end = p.end.as_deref().and_then(MonthDay::parse);
                if start.is_none() {
                    errors.push(f(
                        "window.start",
                        "invalid_format",
                        "must be a day of the year as MM-DD",
                    ));
                }
                if end.is_none() {
                    errors.push(f(
                        "window.end",
                        "invalid_format",
                        "must be a day of the year as MM-DD",
                    ));
                }
                match (start, end) {
                    (Some(s), Some(e)) if s == e => {
                        errors.push(f(
                            "window.end",
                            "invalid_value",
                            "a season needs two different days",
                        ));
                        None
                    }
                    (Some(start), Some(end)) => Some(Window::Season { start, end }),
                    _ => None,
                }
            }
            _ => {
                errors.push(f(
                    "window.kind",
                    "invalid_value",
                    "expected `days` or `season`",
                ));
                None
            }
        };
        if p.max_count.is_none() && p.max_amount.is_none() {
            errors.push(f(
                "max_count",
                "required",
                "set max_count, max_amount or both",
            ));
        }
        if p.max_count.is_some_and(|c| !(1..=1000).contains(&c)) {
            errors.push(f("max_count", "range", "must be 1 to 1000"));
        }
        if p.max_amount.is_some_and(|a| a < 1) {
            errors.push(f("max_amount", "range", "must be at least 1"));
        }
        match window {
            Some(window) if errors.is_empty() => Ok(Self {
                subject: p.subject,
                scope: p.scope,
                window,
                max_count: p.max_count.map(|c| c as u32),
                max_amount: p.max_amount,
                action: p.action,
            }),
            _ => Err(DomainError::Invalid(errors)),
        }
    }
}

impl DuplicatePolicy {
    /// The policy as the API and the store write it.
    pub fn to_json(&self) -> serde_json::Value {
        let window = match self.window {
            Window::Days(days) => serde_json::json!({ "kind": "days", "days": days }),
            Window::Season { start, end } => {
                serde_json::json!({ "kind": "season", "start": start.format(), "end": end.format() })
            }
        };
        serde_json::json!({
            "subject": self.subject.as_str(),
            "scope": self.scope.as_str(),
            "window": window,
            "max_count": self.max_count,
            "max_amount": self.max_amount,
            "action": self.action.as_str(),
        })
    }

    /// Reads a stored policy back.
    pub fn from_json(v: &serde_json::Value) -> Option<Self> {
        let s = |k: &str| v.get(k).and_then(|x| x.as_str());
        let w = v.get("window")?;
        Self::parse(PolicyInput {
            subject: Subject::parse(s("subject")?)?,
            // `resource` is how policies stored on a resource named it before 000008.
            scope: match s("scope")? {
                "resource" => Scope::BenefitType,
                other => Scope::parse(other)?,
            },
            window_kind: w.get("kind")?.as_str()?.to_owned(),
            days: w.get("days").and_then(|d| d.as_i64()),
            start: w.get("start").and_then(|d| d.as_str()).map(Into::into),
            end: w.get("end").and_then(|d| d.as_str()).map(Into::into),
            max_count: v.get("max_count").and_then(|c| c.as_i64()),
            max_amount: v.get("max_amount").and_then(|c| c.as_i64()),
            action: Action::parse(s("action")?)?,
        })
        .ok()
    }
}

/// A resource of the catalogue.
#[derive(Debug, Clone)]
pub struct Resource {
    pub id: Uuid,
    pub name: String,
    pub category: Category,
    pub funding: Funding,
    pub unit: String,
    pub provider_org_id: Option<Uuid>,
    pub district_code: String,
    pub benefit_type_id: Uuid,
    pub created_by_org_id: Uuid,
    pub active: bool,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// An entry of the ledger.
#[derive(Debug, Clone)]
pub struct Allocation {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub benefit_type_id: Uuid,
    pub category: Category,
    pub person_id: Uuid,
    pub household_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub provider_org_id: Uuid,
    pub district_code: String,
    pub amount: Option<i64>,
    pub quantity: Option<i32>,
    pub granted_on: NaiveDate,
    pub status: AllocationStatus,
    pub note: Option<String>,
    pub override_reason: Option<String>,
    pub requested_by: Uuid,
    pub approved_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Set once delivered.
    pub delivery: Option<Delivery>,
}

/// A delivery's record (수령 확인): when, by whom, and how receipt was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub delivered_at: chrono::DateTime<chrono::Utc>,
    pub delivered_by: Option<Uuid>,
    pub proof: Option<Proof>,
}

/// How receipt was shown: a signature or photo (its attachment, until retention removes the
/// file), or 대리수령 with who took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub kind: crate::attachment::ProofKind,
    pub attachment_id: Option<Uuid>,
    pub proxy_name: Option<String>,
    pub proxy_relation: Option<String>,
}

/// An earlier allocation that may count against a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub allocation_id: Uuid,
    /// The code of the claim's benefit type, and its group.
    pub benefit_type: String,
    pub group: Option<String>,
    pub category: Category,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
    pub status: AllocationStatus,
    /// Whether the claim is the same person's (otherwise another member of the household).
    pub same_person: bool,
}

/// The allocation being considered.
#[derive(Debug, Clone)]
pub struct Request {
    /// The code of the benefit type given, and its group.
    pub benefit_type: String,
    pub group: Option<String>,
    pub category: Category,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
}

/// What the policy says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The claims that make the request exceed a limit (empty: no conflict).
    pub conflicts: Vec<Claim>,
    pub action: Action,
    /// Which limit was exceeded, if any.
    pub exceeded: Option<Exceeded>,
}

/// The limit that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Count { limit: u32 },
    Amount { limit: i64, total: i64 },
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        self.conflicts.is_empty() || self.action == Action::Warn
    }
}

/// Whether a claim is of what the request gives: the same benefit type (by code, so every
/// organization's resource for it counts), a type of the same group, or — for a migrated
/// category rule — the same category.
pub fn counts_under(scope: Scope, request: &Request, claim: &Claim) -> bool {
    match scope {
        Scope::BenefitType => {
            claim.benefit_type == request.benefit_type
                || (request.group.is_some() && claim.group == request.group)
        }
        Scope::Category => claim.category == request.category,
    }
}

/// Evaluates a request against the claims loaded for its subject (the person, or every member
/// of the household). Claims outside the window, of another scope, or cancelled do not count.
pub fn evaluate(policy: &DuplicatePolicy, request: &Request, claims: &[Claim]) -> Verdict {
    let none = Verdict {
        conflicts: Vec::new(),
        action: policy.action,
        exceeded: None,
    };
    let Some((from, to)) = policy.window.bounds(request.granted_on) else {
        return none;
    };
    let counted: Vec<Claim> = claims
        .iter()
        .filter(|c| c.status.counts())
        .filter(|c| from <= c.granted_on && c.granted_on <= to)
        .filter(|c| counts_under(policy.scope, request, c))
        .filter(|c| policy.subject == Subject::Household || c.same_person)
        .cloned()
        .collect();
    let exceeded = exceeds(
        policy,
        counted.len(),
        counted.iter().filter_map(|c| c.amount).sum::<i64>() + request.amount.unwrap_or(0),
    );
    match exceeded {
        None => none,
        Some(e) => Verdict {
            conflicts: counted,
            action: policy.action,
            exceeded: Some(e),
        },
    }
}

/// The limit a request breaks, given how many earlier claims count (the request not included)
/// and the amount they and the request total.
fn exceeds(policy: &DuplicatePolicy, earlier: usize, total: i64) -> Option<Exceeded> {
    if policy
        .max_count
        .is_some_and(|limit| earlier as u64 + 1 > u64::from(limit))
    {
        return policy.max_count.map(|limit| Exceeded::Count { limit });
    }
    policy
        .max_amount
        .and_then(|limit| (total > limit).then_some(Exceeded::Amount { limit, total }))
}

/// What a rule limits, as people name it: the benefit type (and its group, if any) and the
/// unit of amounts.
#[derive(Debug, Clone, Copy)]
pub struct RuleLabel<'a> {
    pub name_ko: &'a str,
    pub name_en: &'a str,
    pub group: Option<&'a str>,
    pub amount_unit: &'a str,
    /// The other benefit types of the group that the conflicts are of (Korean, English names),
    /// named in the rule instead of the group's code.
    pub counted_with: &'a [(&'a str, &'a str)],
}

/// The rule that fired, in words, Korean or English.
pub fn describe(
    policy: &DuplicatePolicy,
    exceeded: Exceeded,
    korean: bool,
    label: RuleLabel<'_>,
) -> String {
    let who = match (policy.subject, korean) {
        (Subject::Person, true) => "같은 사람",
        (Subject::Household, true) => "같은 세대",
        (Subject::Person, false) => "the same person",
        (Subject::Household, false) => "the same household",
    };
    let what = match (policy.scope, label.group, korean) {
        (Scope::Category, _, true) => format!(
            "{} 같은 분류의 급여",
            crate::text::josa(label.name_ko, "과", "와")
        ),
        (Scope::Category, _, false) => format!("{} and benefits of its category", label.name_en),
        // A group is named by its members, never by its code.
        (Scope::BenefitType, Some(_), true) if !label.counted_with.is_empty() => {
            let others: Vec<&str> = label.counted_with.iter().map(|(ko, _)| *ko).collect();
            format!(
                "{}({} 함께 셈)",
                label.name_ko,
                crate::text::josa(&others.join("·"), "과", "와")
            )
        }
        (Scope::BenefitType, Some(_), false) if !label.counted_with.is_empty() => {
            let others: Vec<&str> = label.counted_with.iter().map(|(_, en)| *en).collect();
            format!("{} (counted with {})", label.name_en, others.join(", "))
        }
        (Scope::BenefitType, Some(_), true) => {
            format!("{}(같은 묶음의 급여와 함께 셈)", label.name_ko)
        }
        (Scope::BenefitType, Some(_), false) => {
            format!("{} (counted with the benefits of its group)", label.name_en)
        }
        (Scope::BenefitType, None, true) => label.name_ko.to_owned(),
        (Scope::BenefitType, None, false) => label.name_en.to_owned(),
    };
    let when = match (policy.window, korean) {
        (Window::Days(d), true) => format!("{d}일 이내"),
        (Window::Days(d), false) => format!("within {d} days"),
        (Window::Season { start, end }, true) => {
            format!("같은 기간({}~{})", start.format(), end.format())
        }
        (Window::Season { start, end }, false) => format!(
            "in the same season ({} to {})",
            start.format(),
            end.format()
        ),
    };
    let unit = label.amount_unit;
    match (exceeded, korean) {
        (Exceeded::Count { limit }, true) => format!("{who}에게 {} {when} {limit}회까지 지원할 수 있습니다", crate::text::josa(&what, "은", "는")),
        (Exceeded::Count { limit }, false) => format!("{who} may receive {what} at most {limit} time(s) {when}"),
        (Exceeded::Amount { limit, total }, true) => format!("{who}에게 {} {when} 합계 {limit}{unit}까지 지원할 수 있습니다 (요청 포함 {total}{unit})", crate::text::josa(&what, "은", "는")),
        (Exceeded::Amount { limit, total }, false) => format!("{who} may receive at most {limit} {unit} in total of {what} {when} ({total} {unit} with this request)"),
    }
}

#[cfg(test)]
mod tests;

/// One allocation as the duplicate report sees it.
#[derive(Debug, Clone)]
pub struct LedgerItem {
    pub id: Uuid,
    /// The code of the allocation's benefit type, and its group.
    /// (shared: a report holds a million items of a few types)
    pub benefit_type: std::sync::Arc<str>,
    pub group: Option<std::sync::Arc<str>>,
    pub category: Category,
    pub person_id: Uuid,
    pub household_id: Option<Uuid>,
    pub granted_on: NaiveDate,
    pub amount: Option<i64>,
    pub status: AllocationStatus,
}

/// A subject that received more than a policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excess {
    pub subject: Subject,
    pub subject_id: Uuid,
    pub scope: Scope,
    /// The allocations involved, by position in the input.
    pub items: Vec<usize>,
}

/// Finds every subject whose allocations exceed a policy, judging each allocation by its own
/// benefit type's policy against the subject's other allocations (as the live check would have).
pub fn find_excess(
    items: &[LedgerItem],
    policy_of: impl Fn(&str) -> Option<DuplicatePolicy>,
) -> Vec<Excess> {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    // Each subject's allocations, oldest first: an allocation is judged against the part of its
    // pool inside its policy's window only (found by binary search), so a subject with
    // thousands of allocations costs n·log n plus what its windows hold, not n².
    let mut by_person: HashMap<Uuid, Vec<usize>> = HashMap::new();
    let mut by_household: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, a) in items.iter().enumerate().filter(|(_, a)| a.status.counts()) {
        by_person.entry(a.person_id).or_default().push(i);
        if let Some(h) = a.household_id {
            by_household.entry(h).or_default().push(i);
        }
    }
    for pool in by_person.values_mut().chain(by_household.values_mut()) {
        pool.sort_by_key(|&j| (items[j].granted_on, j));
    }
    let mut found: BTreeMap<(u8, Uuid, u8), BTreeSet<usize>> = BTreeMap::new();
    for (i, a) in items.iter().enumerate().filter(|(_, a)| a.status.counts()) {
        let Some(policy) = policy_of(&a.benefit_type) else {
            continue;
        };
        let Some((from, to)) = policy.window.bounds(a.granted_on) else {
            continue;
        };
        let (subject, subject_id, pool) = match (policy.subject, a.household_id) {
            (Subject::Household, Some(h)) => (Subject::Household, h, by_household.get(&h)),
            _ => (Subject::Person, a.person_id, by_person.get(&a.person_id)),
        };
        let pool = pool.map(Vec::as_slice).unwrap_or_default();
        let start = pool.partition_point(|&j| items[j].granted_on < from);
        let end = pool.partition_point(|&j| items[j].granted_on <= to);
        // What `evaluate` would count, judged by reference (a million allocations are judged
        // without copying one): same scope, and the same person unless the subject is the
        // household; the request itself does not count against itself.
        let counted = || {
            pool[start..end].iter().copied().filter(move |&j| {
                let c = &items[j];
                j != i
                    && match policy.scope {
                        Scope::BenefitType => {
                            c.benefit_type == a.benefit_type
                                || (a.group.is_some() && c.group == a.group)
                        }
                        Scope::Category => c.category == a.category,
                    }
            })
        };
        let earlier = counted().count();
        let total = counted().filter_map(|j| items[j].amount).sum::<i64>() + a.amount.unwrap_or(0);
        if exceeds(&policy, earlier, total).is_some() {
            let key = (subject as u8, subject_id, policy.scope as u8);
            let entry = found.entry(key).or_default();
            entry.insert(i);
            entry.extend(counted());
        }
    }
    found
        .into_iter()
        .map(|((s, subject_id, sc), set)| Excess {
            subject: if s == Subject::Person as u8 {
                Subject::Person
            } else {
                Subject::Household
            },
            subject_id,
            scope: if sc == Scope::BenefitType as u8 {
                Scope::BenefitType
            } else {
                Scope::Category
            },
            items: set.into_iter().collect(),
        })
        .collect()
}

#[cfg(test)]
mod excess_tests;
