//! Names of codes as people read them in reports and exports, Korean and English. Each table
//! is an exhaustive match: a new code does not compile until it has both names.

use crate::allocation::{AllocationStatus, Category, Funding, Scope, Subject};
use crate::case::{CaseType, ClosingReason, RiskLevel, Status};
use crate::meeting::{Decision, MeetingKind};
use crate::person::Flag;
use crate::plan::{AssessmentDomain, GoalStatus};
use crate::user::Role;

/// A code's name in Korean and English.
pub trait Label: Copy {
    fn names(self) -> (&'static str, &'static str);

    /// The name in the reader's language.
    fn label(self, english: bool) -> &'static str {
        let (ko, en) = self.names();
        if english {
            en
        } else {
            ko
        }
    }
}

impl Label for Status {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Status::Discovered => ("발굴", "Discovered"),
            Status::Intake => ("초기상담", "Intake"),
            Status::Assessing => ("사정", "Assessing"),
            Status::AwaitingMeeting => ("사례회의 대기", "Awaiting meeting"),
            Status::InService => ("서비스 제공", "In service"),
            Status::Monitoring => ("점검", "Monitoring"),
            Status::Closed => ("종결", "Closed"),
            Status::FollowUp => ("사후관리", "Follow-up"),
            Status::Reopened => ("재개", "Reopened"),
            Status::Rejected => ("비대상", "Rejected"),
            Status::ReferredOut => ("타 기관 의뢰", "Referred out"),
        }
    }
}

impl Label for RiskLevel {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            RiskLevel::Crisis => ("위기", "Crisis"),
            RiskLevel::High => ("고위험", "High"),
            RiskLevel::Moderate => ("중위험", "Moderate"),
            RiskLevel::General => ("일반", "General"),
        }
    }
}

impl Label for Category {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Category::Heating => ("난방", "Heating"),
            Category::Food => ("식품", "Food"),
            Category::EmergencyLiving => ("긴급생계", "Emergency living"),
            Category::HousingRepair => ("주거개선", "Housing repair"),
            Category::Rent => ("주거비", "Rent"),
            Category::Medical => ("의료", "Medical"),
            Category::Education => ("교육", "Education"),
            Category::Goods => ("물품", "Goods"),
            Category::Service => ("서비스", "Service"),
            Category::Cash => ("현금", "Cash"),
        }
    }
}

impl Label for Funding {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Funding::Public => ("공공", "Public"),
            Funding::PrivateDonation => ("민간후원", "Private donation"),
        }
    }
}

impl Label for AllocationStatus {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            AllocationStatus::Planned => ("예정", "Planned"),
            AllocationStatus::Approved => ("승인", "Approved"),
            AllocationStatus::Delivered => ("전달완료", "Delivered"),
            AllocationStatus::Cancelled => ("취소", "Cancelled"),
            AllocationStatus::PendingOverride => ("예외승인 대기", "Pending override"),
        }
    }
}

impl Label for Subject {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Subject::Person => ("개인", "Person"),
            Subject::Household => ("세대", "Household"),
        }
    }
}

impl Label for Scope {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Scope::BenefitType => ("급여유형", "Benefit type"),
            Scope::Category => ("분류", "Category"),
        }
    }
}

/// The name of a stored code of enum `E` (the code itself if it is not one).
pub fn of<E: Label>(parse: impl Fn(&str) -> Option<E>, code: &str, english: bool) -> String {
    parse(code).map_or_else(|| code.to_owned(), |v| v.label(english).to_owned())
}

impl Label for CaseType {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            CaseType::Integrated => ("통합사례관리", "Integrated case management"),
            CaseType::SimpleLinkage => ("단순 연계", "Simple linkage"),
            CaseType::Emergency => ("긴급 지원", "Emergency support"),
            CaseType::General => ("일반 사례관리", "General case management"),
        }
    }
}

impl Label for MeetingKind {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            MeetingKind::Assessment => ("사정회의", "Assessment meeting"),
            MeetingKind::IntegratedConference => ("통합사례회의", "Integrated case conference"),
            MeetingKind::Solution => ("솔루션회의", "Solution meeting"),
        }
    }
}

impl Label for Role {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Role::Caseworker => ("사례관리자", "Case worker"),
            Role::Supervisor => ("슈퍼바이저", "Supervisor"),
            Role::Coordinator => ("통합사례관리사", "District coordinator"),
            Role::OrgAdmin => ("기관 관리자", "Organization admin"),
            Role::Auditor => ("감사 담당자", "Auditor"),
            Role::SystemAdmin => ("시스템 관리자", "System administrator"),
        }
    }
}

impl Label for ClosingReason {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            ClosingReason::GoalAchieved => ("목표 달성", "Goal achieved"),
            ClosingReason::Refused => ("대상자 거부", "Refused by the person"),
            ClosingReason::MovedOut => ("전출", "Moved out"),
            ClosingReason::Deceased => ("사망", "Deceased"),
            ClosingReason::Transferred => ("타 기관 이관", "Transferred to another organization"),
            ClosingReason::LostContact => ("연락두절", "Lost contact"),
            ClosingReason::Other => ("기타", "Other"),
        }
    }
}

impl Label for AssessmentDomain {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            AssessmentDomain::Safety => ("안전", "Safety"),
            AssessmentDomain::Health => ("건강", "Health"),
            AssessmentDomain::DailyLiving => ("일상생활", "Daily living"),
            AssessmentDomain::Family => ("가족관계", "Family"),
            AssessmentDomain::Social => ("사회적 관계", "Social"),
            AssessmentDomain::Economy => ("경제", "Economy"),
            AssessmentDomain::Education => ("교육", "Education"),
            AssessmentDomain::Employment => ("고용", "Employment"),
            AssessmentDomain::Housing => ("주거", "Housing"),
            AssessmentDomain::RightsAdvocacy => ("권익보장", "Rights advocacy"),
        }
    }
}

impl Label for GoalStatus {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            GoalStatus::NotStarted => ("미착수", "Not started"),
            GoalStatus::InProgress => ("진행 중", "In progress"),
            GoalStatus::Achieved => ("달성", "Achieved"),
            GoalStatus::Dropped => ("중단", "Dropped"),
        }
    }
}

impl Label for Decision {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Decision::SelectIntegrated => {
                ("통합사례관리 대상 선정", "Select for integrated management")
            }
            Decision::SimpleLinkage => ("단순 연계", "Simple linkage"),
            Decision::Continue => ("지속", "Continue"),
            Decision::Close => ("종결", "Close"),
            Decision::Refer => ("타 기관 의뢰", "Refer"),
            Decision::Defer => ("보류", "Defer"),
            Decision::ChangeLead => ("주 사례관리 기관 변경", "Change the lead organization"),
            Decision::ChangeType => ("사례 유형 변경", "Change the case type"),
            Decision::ToMonitoring => ("점검 단계로 전환", "Move to monitoring"),
        }
    }
}

impl Label for Flag {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Flag::SinglePersonHousehold => ("1인 가구", "Single-person household"),
            Flag::ElderlyLivingAlone => ("독거노인", "Older person living alone"),
            Flag::Disability => ("장애인", "Person with a disability"),
            Flag::SingleParent => ("한부모 가정", "Single-parent family"),
            Flag::ChildHeaded => ("아동 가장 가구", "Child-headed household"),
            Flag::GrandparentHeaded => ("조손 가정", "Grandparent-headed family"),
            Flag::Multicultural => ("다문화 가정", "Multicultural family"),
            Flag::NorthKoreanDefector => ("북한이탈주민", "North Korean defector"),
            Flag::LowIncome => ("저소득", "Low income"),
            Flag::Homeless => ("노숙인", "Homeless"),
            Flag::SocialIsolation => ("사회적 고립", "Social isolation"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_two_distinct_non_empty_names() {
        fn all<E: Label>(items: &[E]) {
            for &i in items {
                let (ko, en) = i.names();
                assert!(!ko.is_empty() && !en.is_empty());
                assert!(ko.chars().any(|c| ('가'..='힣').contains(&c)), "{ko}");
                assert!(en.is_ascii(), "{en}");
            }
        }
        all(Status::ALL);
        all(RiskLevel::ALL);
        all(Category::ALL);
        all(Funding::ALL);
        all(AllocationStatus::ALL);
        all(Subject::ALL);
        all(Scope::ALL);
        all(ClosingReason::ALL);
        all(AssessmentDomain::ALL);
        all(GoalStatus::ALL);
        all(Decision::ALL);
        all(MeetingKind::ALL);
        all(CaseType::ALL);
        all(&Flag::ALL);
    }
}
