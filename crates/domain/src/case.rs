//! Shared cases (사례관리 — case management): one case per person and episode, led by one
//! organization and worked on by several.

use serde::{Deserialize, Serialize};

use crate::DomainError;

#[macro_export]
#[doc(hidden)]
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

str_enum!(
    /// Where a case stands.
    Status {
        Discovered = "discovered",
        Intake = "intake",
        Assessing = "assessing",
        AwaitingMeeting = "awaiting_meeting",
        InService = "in_service",
        Monitoring = "monitoring",
        Closed = "closed",
        FollowUp = "follow_up",
        Reopened = "reopened",
        Rejected = "rejected",
        ReferredOut = "referred_out",
    }
);

impl Status {
    /// The statuses that may follow this one.
    pub fn targets(self) -> &'static [Status] {
        use Status::*;
        match self {
            Discovered => &[Intake, Rejected, ReferredOut],
            Intake => &[Assessing, Rejected, ReferredOut],
            Assessing => &[AwaitingMeeting, InService, Rejected, ReferredOut],
            AwaitingMeeting => &[Assessing, InService, Closed, Rejected, ReferredOut],
            InService => &[Monitoring, Closed, ReferredOut],
            Monitoring => &[InService, Closed, ReferredOut],
            Closed => &[FollowUp, Reopened],
            FollowUp => &[Closed, Reopened],
            Reopened => &[Assessing, InService, Closed, ReferredOut],
            // No dead ends: a case found ineligible, or handed to another organization, can be
            // taken up again by its lead when things change.
            Rejected | ReferredOut => &[Reopened],
        }
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.targets().contains(&to)
    }

    /// Whether the case is still being worked on (for "lead org of any open case").
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Closed | Status::Rejected | Status::ReferredOut
        )
    }

    /// Whether the case counts for the one-open-case rule: 사후관리 (follow-up) is a bounded
    /// watch after closing, not an open case, so a new case may start during it.
    pub fn counts_as_open(self) -> bool {
        self.is_open() && self != Status::FollowUp
    }

    /// Moves that only the lead organization may make.
    pub fn needs_lead(to: Status) -> bool {
        matches!(
            to,
            Status::Closed | Status::Rejected | Status::ReferredOut | Status::Reopened
        )
    }
}

/// Checks a transition, naming the allowed targets when it is impossible.
pub fn check_transition(from: Status, to: Status) -> Result<(), InvalidTransition> {
    if from.can_move_to(to) {
        Ok(())
    } else {
        Err(InvalidTransition {
            from,
            to,
            allowed: from.targets().to_vec(),
        })
    }
}

/// The statuses a move may pass through on its way: practice often skips the paperwork of
/// intake and assessment in one step (발굴 → 사정), never a service, a meeting or a closing.
const PASSABLE: [Status; 2] = [Status::Intake, Status::Assessing];

/// The shortest way from `from` to `to` through passable statuses, each step legal (the
/// target last), or the targets that are reachable.
pub fn path(from: Status, to: Status) -> Result<Vec<Status>, InvalidTransition> {
    let mut seen = vec![from];
    let mut queue = std::collections::VecDeque::from([(from, Vec::new())]);
    let mut reachable = Vec::new();
    while let Some((at, way)) = queue.pop_front() {
        for &next in at.targets() {
            if seen.contains(&next) {
                continue;
            }
            seen.push(next);
            reachable.push(next);
            let mut steps: Vec<Status> = way.clone();
            steps.push(next);
            if next == to {
                return Ok(steps);
            }
            if PASSABLE.contains(&next) {
                queue.push_back((next, steps));
            }
        }
    }
    Err(InvalidTransition {
        from,
        to,
        allowed: reachable,
    })
}

/// An impossible status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTransition {
    pub from: Status,
    pub to: Status,
    pub allowed: Vec<Status>,
}

str_enum!(
    /// How intensively a case is managed.
    CaseType {
        Integrated = "integrated",
        SimpleLinkage = "simple_linkage",
        Emergency = "emergency",
        General = "general",
    }
);

str_enum!(
    /// Urgency.
    RiskLevel {
        Crisis = "crisis",
        High = "high",
        Moderate = "moderate",
        General = "general",
    }
);

str_enum!(
    /// How the case was found (사례발굴).
    Source {
        Outreach = "outreach",
        Referral = "referral",
        SelfRequest = "self_request",
        Hotline = "hotline",
        PublicData = "public_data",
        NeighborReport = "neighbor_report",
    }
);

/// The ten life domains of a need: the same vocabulary as assessments and plan goals
/// (`plan::AssessmentDomain`). Needs recorded before it was one vocabulary were migrated
/// (`social_relations` → `social`, `living_environment` → `housing`, `legal_rights` →
/// `rights_advocacy`).
pub use crate::plan::AssessmentDomain as NeedDomain;

str_enum!(
    /// What an organization does on a case. A `visitor` joined by a joint home visit
    /// (1+1 가정방문) with one of its workers: it works on the case (visits, notes) and sees
    /// the person as far as the consent allows.
    ParticipantRole {
        Lead = "lead",
        CoManager = "co_manager",
        ServiceProvider = "service_provider",
        Visitor = "visitor",
        Observer = "observer",
    }
);

str_enum!(
    /// A worker's place on a case.
    AssignmentRole {
        Primary = "primary",
        Secondary = "secondary",
    }
);

str_enum!(
    /// What a note records.
    NoteKind {
        Counseling = "counseling",
        HomeVisit = "home_visit",
        Phone = "phone",
        Service = "service",
        Monitoring = "monitoring",
        Other = "other",
    }
);

str_enum!(
    /// Who may read a note.
    Visibility {
        Participants = "participants",
        OwnOrg = "own_org",
    }
);

/// One assessed need: domain and a score from 0 (none) to 5 (severe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub domain: NeedDomain,
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Checks a list of needs: scores 0–5, each domain at most once.
pub fn check_needs(needs: &[Need]) -> Result<(), DomainError> {
    let mut seen = std::collections::HashSet::new();
    for (i, n) in needs.iter().enumerate() {
        if n.score > 5 {
            return Err(DomainError::invalid(
                &format!("needs[{i}].score"),
                "range",
                "must be 0 to 5",
            ));
        }
        if !seen.insert(n.domain) {
            return Err(DomainError::invalid(
                &format!("needs[{i}].domain"),
                "duplicate",
                "each domain at most once",
            ));
        }
    }
    Ok(())
}

/// `YYYY-<district>-NNNNNN`.
pub fn case_no(year: i32, district_code: &str, seq: i64) -> String {
    format!("{year}-{district_code}-{seq:06}")
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn practice_skips_intake_paperwork_in_one_call() {
        use Status::*;
        assert_eq!(path(Discovered, Intake), Ok(vec![Intake]));
        assert_eq!(path(Discovered, Assessing), Ok(vec![Intake, Assessing]));
        assert_eq!(
            path(Discovered, InService),
            Ok(vec![Intake, Assessing, InService])
        );
        // Never through a service, a meeting or a closing.
        let refused = path(Discovered, Monitoring).unwrap_err();
        assert_eq!(
            refused.allowed,
            [
                Intake,
                Rejected,
                ReferredOut,
                Assessing,
                AwaitingMeeting,
                InService
            ]
        );
        assert!(path(Discovered, Closed).is_err());
        assert!(path(Closed, InService).is_err());
    }

    proptest! {
        /// Every path is a chain of legal single steps ending at the target, and only passes
        /// through passable statuses.
        #[test]
        fn paths_are_legal_steps(a in 0usize..11, b in 0usize..11) {
            let (from, to) = (Status::ALL[a], Status::ALL[b]);
            if let Ok(steps) = path(from, to) {
                prop_assert_eq!(steps.last(), Some(&to));
                let mut at = from;
                for (i, &s) in steps.iter().enumerate() {
                    prop_assert!(at.can_move_to(s));
                    if i + 1 < steps.len() {
                        prop_assert!(PASSABLE.contains(&s));
                    }
                    at = s;
                }
            } else {
                prop_assert!(!from.can_move_to(to));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_documented_path_is_allowed() {
        use Status::*;
        let path = [
            Discovered,
            Intake,
            Assessing,
            AwaitingMeeting,
            InService,
            Monitoring,
            Closed,
            FollowUp,
            Reopened,
            Assessing,
        ];
        for w in path.windows(2) {
            assert!(w[0].can_move_to(w[1]), "{:?} -> {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn reopening_only_from_ended_cases() {
        for s in Status::ALL {
            let ok = s.can_move_to(Status::Reopened);
            assert_eq!(
                ok,
                matches!(
                    s,
                    Status::Closed | Status::FollowUp | Status::Rejected | Status::ReferredOut
                ),
                "{s:?}"
            );
        }
    }

    #[test]
    fn ended_cases_can_only_be_reopened() {
        assert_eq!(Status::Rejected.targets(), &[Status::Reopened]);
        assert_eq!(Status::ReferredOut.targets(), &[Status::Reopened]);
    }

    #[test]
    fn case_numbers_are_padded() {
        assert_eq!(case_no(2026, "11440", 123), "2026-11440-000123");
    }

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    proptest! {
        /// The checker agrees with the table for every pair, and a refusal lists exactly the table's targets.
        #[test]
        fn transition_check_matches_the_table(from in status(), to in status()) {
            match check_transition(from, to) {
                Ok(()) => prop_assert!(from.targets().contains(&to)),
                Err(e) => {
                    prop_assert!(!from.targets().contains(&to));
                    prop_assert_eq!(e.allowed, from.targets().to_vec());
                }
            }
            prop_assert!(from != to || !from.can_move_to(to), "no self-loops");
        }

        /// No dead ends: from every status the case can reach `closed`, and every status has a
        /// way out.
        #[test]
        fn every_case_can_always_be_closed_eventually(from in status()) {
            let mut seen = std::collections::HashSet::new();
            let mut frontier = vec![from];
            while let Some(s) = frontier.pop() {
                if seen.insert(s) { frontier.extend(s.targets()); }
            }
            prop_assert!(seen.contains(&Status::Closed), "{from:?} cannot reach closed");
            prop_assert!(!from.targets().is_empty(), "{from:?} is a dead end");
        }
    }
}

str_enum!(
    /// Why a case closed (종결 사유).
    ClosingReason {
        GoalAchieved = "goal_achieved",
        Refused = "refused",
        MovedOut = "moved_out",
        Deceased = "deceased",
        Transferred = "transferred",
        LostContact = "lost_contact",
        Other = "other",
    }
);

/// How a case closed: the reason, its text (required for `other`) and a short evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub reason: ClosingReason,
    pub note: Option<String>,
    pub evaluation: String,
}

impl Closing {
    /// Checks a closing: `other` needs its text (in `note`).
    pub fn check(&self) -> Result<(), DomainError> {
        if self.reason == ClosingReason::Other && self.note.as_deref().is_none_or(str::is_empty) {
            return Err(DomainError::invalid(
                "reason",
                "required",
                "closing_reason `other` needs the reason in words",
            ));
        }
        Ok(())
    }
}

/// How long follow-up (사후관리) lasts unless the caller says otherwise.
pub const FOLLOW_UP_MONTHS: u32 = 3;

/// The follow-up period from `start`: its end (`until`, default three months) and the check
/// dates, one a month and the last on the end day.
pub fn follow_up_schedule(
    start: chrono::NaiveDate,
    until: Option<chrono::NaiveDate>,
) -> Result<(chrono::NaiveDate, Vec<chrono::NaiveDate>), DomainError> {
    use chrono::Months;
    let until = match until {
        Some(u) => u,
        None => start
            .checked_add_months(Months::new(FOLLOW_UP_MONTHS))
            .ok_or_else(|| DomainError::invalid("follow_up_until", "range", "out of range"))?,
    };
    if until <= start || until > start + chrono::Duration::days(366) {
        return Err(DomainError::invalid(
            "follow_up_until",
            "range",
            "must be after today and within a year",
        ));
    }
    let mut checks = Vec::new();
    let mut m = 1;
    while let Some(d) = start.checked_add_months(Months::new(m)) {
        if d >= until {
            break;
        }
        checks.push(d);
        m += 1;
    }
    checks.push(until);
    Ok((until, checks))
}

#[cfg(test)]
mod closing_tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn follow_up_lasts_three_months_with_monthly_checks() {
        let start = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let (until, checks) = follow_up_schedule(start, None).unwrap();
        assert_eq!(until, NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
        assert_eq!(
            checks,
            [
                NaiveDate::from_ymd_opt(2026, 12, 30).unwrap(),
                NaiveDate::from_ymd_opt(2027, 1, 30).unwrap(),
                until
            ]
        );
        assert!(follow_up_schedule(start, Some(start)).is_err());
        assert!(follow_up_schedule(start, Some(start + chrono::Duration::days(400))).is_err());
    }

    #[test]
    fn follow_up_is_not_an_open_case() {
        assert!(Status::FollowUp.is_open());
        assert!(!Status::FollowUp.counts_as_open());
        assert!(Status::Monitoring.counts_as_open());
    }

    #[test]
    fn other_needs_words() {
        let c = Closing {
            reason: ClosingReason::Other,
            note: None,
            evaluation: "x".into(),
        };
        assert!(c.check().is_err());
    }
}

/// A shared case.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: uuid::Uuid,
    pub case_no: String,
    pub person_id: uuid::Uuid,
    pub lead_org_id: uuid::Uuid,
    pub district_code: String,
    pub case_type: CaseType,
    pub risk_level: RiskLevel,
    pub source: Source,
    pub status: Status,
    pub summary: String,
    pub needs: Vec<Need>,
    pub version: i32,
    pub created_by: uuid::Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Set for a household case (가구 단위 사례); `person_id` is then its primary person.
    pub household_id: Option<uuid::Uuid>,
    /// When the case was taken in (접수): the first assessment is due some days later.
    pub intake_on: Option<chrono::NaiveDate>,
    /// When the service plan is next reviewed (점검).
    pub next_review_on: Option<chrono::NaiveDate>,
    pub closing: Option<Closing>,
    pub closed_on: Option<chrono::NaiveDate>,
    pub follow_up_until: Option<chrono::NaiveDate>,
    pub follow_up_checks: Vec<chrono::NaiveDate>,
}

/// A validated request to open a case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub person_id: uuid::Uuid,
    /// A household case: the household and its members (the primary person among them).
    pub household: Option<(uuid::Uuid, Vec<uuid::Uuid>)>,
    pub case_type: CaseType,
    pub risk_level: RiskLevel,
    pub source: Source,
    pub summary: String,
    pub needs: Vec<Need>,
}

/// A validated change to a case.
#[derive(Debug, Clone, Default)]
pub struct CasePatch {
    pub summary: Option<String>,
    pub risk_level: Option<RiskLevel>,
    pub needs: Option<Vec<Need>>,
}

/// An organization's place on a case.
#[derive(Debug, Clone)]
pub struct Participant {
    pub org_id: uuid::Uuid,
    pub role: ParticipantRole,
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// A worker's assignment to a case.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub id: uuid::Uuid,
    pub case_id: uuid::Uuid,
    pub user_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub role: AssignmentRole,
    pub assigned_at: chrono::DateTime<chrono::Utc>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A counselling record, visit, call or service note.
#[derive(Debug, Clone)]
pub struct Note {
    pub id: uuid::Uuid,
    pub case_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub author_id: uuid::Uuid,
    pub kind: NoteKind,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub body: String,
    pub co_visitor_user_ids: Vec<uuid::Uuid>,
    pub visibility: Visibility,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The household member the note concerns, on a household case.
    pub person_id: Option<uuid::Uuid>,
}

/// A validated note.
#[derive(Debug, Clone)]
pub struct NewNote {
    pub kind: NoteKind,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub body: String,
    pub co_visitor_user_ids: Vec<uuid::Uuid>,
    pub visibility: Visibility,
    pub person_id: Option<uuid::Uuid>,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub id: uuid::Uuid,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub kind: String,
    pub actor_user_id: Option<uuid::Uuid>,
    pub actor_org_id: Option<uuid::Uuid>,
    pub data: serde_json::Value,
}
