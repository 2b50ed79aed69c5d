//! The course of a case after intake: dated assessments (사정), service plans (서비스 계획) and
//! their reviews (점검). Assessments and reviews are never changed once written; a plan is
//! revised by writing its next revision.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::case::RiskLevel;
use crate::str_enum;
use crate::DomainError;

str_enum!(
    /// The ten domains of the 통합사례관리 assessment.
    AssessmentDomain {
        Safety = "safety",
        Health = "health",
        DailyLiving = "daily_living",
        Family = "family",
        Social = "social",
        Economy = "economy",
        Education = "education",
        Employment = "employment",
        Housing = "housing",
        RightsAdvocacy = "rights_advocacy",
    }
);

/// One domain's score: 0 (no need) to 5 (severe), with an optional note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainScore {
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How many days after intake the first assessment is due unless configured otherwise.
pub const FIRST_ASSESSMENT_DAYS: u32 = 14;

/// A dated assessment by its assessor.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The household member it concerns, on a household case.
    pub person_id: Option<Uuid>,
    pub assessed_on: NaiveDate,
    pub assessor_user_id: Uuid,
    pub assessor_org_id: Uuid,
    pub domains: BTreeMap<AssessmentDomain, DomainScore>,
    pub risk_level: RiskLevel,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

/// A validated assessment to write.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub person_id: Option<Uuid>,
    pub assessed_on: NaiveDate,
    pub domains: BTreeMap<AssessmentDomain, DomainScore>,
    pub risk_level: RiskLevel,
    pub summary: String,
}

/// Checks an assessment: at least one domain, scores 0–5, not dated in the future.
pub fn check_assessment(a: &NewAssessment, today: NaiveDate) -> Result<(), DomainError> {
    if a.domains.is_empty() {
        return Err(DomainError::invalid(
            "domains",
            "required",
            "score at least one domain",
        ));
    }
    for (d, s) in &a.domains {
        if s.score > 5 {
            return Err(DomainError::invalid(
                &format!("domains.{}.score", d.as_str()),
                "range",
                "must be 0 to 5",
            ));
        }
    }
    if a.assessed_on > today {
        return Err(DomainError::invalid(
            "assessed_on",
            "range",
            "cannot be in the future",
        ));
    }
    Ok(())
}

/// The change of each domain scored in both assessments, latest minus previous (negative:
/// the need eased).
pub fn changes(
    previous: &BTreeMap<AssessmentDomain, DomainScore>,
    latest: &BTreeMap<AssessmentDomain, DomainScore>,
) -> BTreeMap<AssessmentDomain, i8> {
    latest
        .iter()
        .filter_map(|(d, s)| previous.get(d).map(|p| (*d, s.score as i8 - p.score as i8)))
        .collect()
}

/// A goal of a service plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub id: Uuid,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<AssessmentDomain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_on: Option<NaiveDate>,
}

/// A service the plan arranges: a benefit type of the district or a service in words, who
/// provides it, who answers for it, how often, from when to when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedService {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit_type_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub provider_org_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_user_id: Option<Uuid>,
    pub frequency: String,
    pub starts_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
}

str_enum!(
    /// Whether a plan is the one in force.
    PlanStatus {
        Active = "active",
        Superseded = "superseded",
    }
);

/// A revision of a case's service plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub id: Uuid,
    pub case_id: Uuid,
    pub revision: i32,
    pub status: PlanStatus,
    pub summary: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub goals: Vec<Goal>,
    pub services: Vec<PlannedService>,
    pub next_review_on: Option<NaiveDate>,
    pub created_by: Uuid,
    pub created_by_org_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A validated plan to write (goal ids are given when written).
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub summary: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub goals: Vec<Goal>,
    pub services: Vec<PlannedService>,
    pub next_review_on: Option<NaiveDate>,
}

/// How many months after its start a plan is first reviewed unless it says when.
pub const REVIEW_MONTHS: u32 = 3;

/// Checks a plan's dates and services, and fills in the first review date.
pub fn check_plan(p: &mut NewPlan) -> Result<(), DomainError> {
    if p.goals.is_empty() {
        return Err(DomainError::invalid(
            "goals",
            "required",
            "at least one goal",
        ));
    }
    if p.ends_on.is_some_and(|e| e < p.starts_on) {
        return Err(DomainError::invalid(
            "ends_on",
            "range",
            "cannot be before starts_on",
        ));
    }
    for (i, s) in p.services.iter().enumerate() {
        if s.benefit_type_id.is_none() && s.description.is_none() {
            return Err(DomainError::invalid(
                &format!("services[{i}].description"),
                "required",
                "name a benefit type or describe the service",
            ));
        }
        if s.ends_on.is_some_and(|e| e < s.starts_on) {
            return Err(DomainError::invalid(
                &format!("services[{i}].ends_on"),
                "range",
                "cannot be before starts_on",
            ));
        }
    }
    match p.next_review_on {
        Some(r) if r < p.starts_on => {
            return Err(DomainError::invalid(
                "next_review_on",
                "range",
                "cannot be before starts_on",
            ))
        }
        Some(_) => {}
        None => {
            p.next_review_on = p
                .starts_on
                .checked_add_months(chrono::Months::new(REVIEW_MONTHS));
        }
    }
    Ok(())
}

str_enum!(
    /// How far a goal has come.
    GoalStatus {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Achieved = "achieved",
        Dropped = "dropped",
    }
);

/// One goal's progress at a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalProgress {
    pub goal_id: Uuid,
    pub status: GoalStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A review of a plan.
#[derive(Debug, Clone)]
pub struct Review {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub case_id: Uuid,
    pub reviewed_on: NaiveDate,
    pub reviewer_user_id: Uuid,
    pub reviewer_org_id: Uuid,
    pub goal_progress: Vec<GoalProgress>,
    pub summary: Option<String>,
    pub next_review_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// A validated review to write.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub reviewed_on: NaiveDate,
    pub goal_progress: Vec<GoalProgress>,
    pub summary: Option<String>,
    pub next_review_on: Option<NaiveDate>,
}

/// Checks a review against its plan: every goal named belongs to the plan, at most once;
/// not dated in the future; the next review after this one.
pub fn check_review(r: &NewReview, plan: &Plan, today: NaiveDate) -> Result<(), DomainError> {
    if r.reviewed_on > today {
        return Err(DomainError::invalid(
            "reviewed_on",
            "range",
            "cannot be in the future",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, g) in r.goal_progress.iter().enumerate() {
        if !plan.goals.iter().any(|x| x.id == g.goal_id) {
            return Err(DomainError::invalid(
                &format!("goal_progress[{i}].goal_id"),
                "unknown",
                "not a goal of this plan",
            ));
        }
        if !seen.insert(g.goal_id) {
            return Err(DomainError::invalid(
                &format!("goal_progress[{i}].goal_id"),
                "duplicate",
                "each goal at most once",
            ));
        }
    }
    if r.next_review_on.is_some_and(|n| n <= r.reviewed_on) {
        return Err(DomainError::invalid(
            "next_review_on",
            "range",
            "must be after reviewed_on",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn score(s: u8) -> DomainScore {
        DomainScore {
            score: s,
            note: None,
        }
    }

    #[test]
    fn change_is_per_domain_scored_twice() {
        let prev = BTreeMap::from([
            (AssessmentDomain::Health, score(4)),
            (AssessmentDomain::Economy, score(5)),
        ]);
        let latest = BTreeMap::from([
            (AssessmentDomain::Health, score(2)),
            (AssessmentDomain::Housing, score(3)),
        ]);
        assert_eq!(
            changes(&prev, &latest),
            BTreeMap::from([(AssessmentDomain::Health, -2)])
        );
    }

    #[test]
    fn a_plan_is_reviewed_after_three_months_unless_it_says() {
        let mut p = NewPlan {
            summary: None,
            starts_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            ends_on: None,
            goals: vec![Goal {
                id: Uuid::nil(),
                text: "x".into(),
                domain: None,
                target_on: None,
            }],
            services: vec![],
            next_review_on: None,
        };
        check_plan(&mut p).unwrap();
        assert_eq!(p.next_review_on, NaiveDate::from_ymd_opt(2027, 3, 1));
    }

    proptest! {
        /// Changes are antisymmetric: swapping the two assessments negates every change.
        #[test]
        fn changes_are_antisymmetric(a in proptest::collection::vec(0u8..=5, 10), b in proptest::collection::vec(0u8..=5, 10), mask in 0u16..1024) {
            let pick = |v: &Vec<u8>, m: u16| -> BTreeMap<AssessmentDomain, DomainScore> {
                AssessmentDomain::ALL.iter().enumerate()
                    .filter(|(i, _)| m & (1 << i) != 0)
                    .map(|(i, d)| (*d, score(v[i]))).collect()
            };
            let (x, y) = (pick(&a, mask), pick(&b, mask.rotate_left(3) & 1023));
            let there = changes(&x, &y);
            let back = changes(&y, &x);
            prop_assert_eq!(there.len(), back.len());
            for (d, c) in there {
                prop_assert_eq!(back[&d], -c);
            }
        }
    }
}
