//! The notification title of an event, in Korean and English.

use super::DomainEvent;

impl DomainEvent {
    /// The notification title, in Korean or English. Names only what every recipient may
    /// already see (no person data): a successor's name and organization are staff data.
    pub fn title(&self, korean: bool) -> String {
        let t = |ko: &str, en: &str| if korean { ko.to_owned() } else { en.to_owned() };
        match self {
            Self::ReferralSent { .. } => t("새 의뢰가 도착했습니다", "A referral arrived"),
            Self::ReferralAnswered { status, .. } => match *status {
                "accepted" => t("의뢰가 수락되었습니다", "A referral was accepted"),
                "declined" => t("의뢰가 거절되었습니다", "A referral was declined"),
                _ => t("의뢰가 완료되었습니다", "A referral was completed"),
            },
            Self::CaseOpened { .. } => t("사례가 열렸습니다", "A case was opened"),
            Self::ParticipantChanged { role: Some(_), .. } => t(
                "기관이 사례에 참여하게 되었습니다",
                "Your organization now takes part in a case",
            ),
            Self::ParticipantChanged { role: None, .. } => t(
                "기관이 사례에서 빠졌습니다",
                "Your organization no longer takes part in a case",
            ),
            Self::CaseAssigned { .. } => t("사례가 배정되었습니다", "A case was assigned to you"),
            Self::CaseStatusChanged { .. } => {
                t("사례 상태가 바뀌었습니다", "A case changed status")
            }
            Self::MeetingScheduled { scheduled_at, .. } => {
                // Korea Standard Time (UTC+9, no daylight saving).
                let at = (*scheduled_at + chrono::Duration::hours(9)).format("%Y-%m-%d %H:%M");
                if korean {
                    format!("회의에 초대되었습니다 ({at})")
                } else {
                    format!("You are invited to a meeting ({at} KST)")
                }
            }
            Self::MeetingFinalized { .. } => t(
                "회의 결과가 확정되었습니다",
                "A meeting's decisions were finalized",
            ),
            Self::ActionItemAssigned { due_on, .. } => {
                if korean {
                    format!("조치 사항이 배정되었습니다 (기한 {due_on})")
                } else {
                    format!("An action item was assigned to you (due {due_on})")
                }
            }
            Self::AllocationRecorded { .. } => {
                t("지원이 기록되었습니다", "An allocation was recorded")
            }
            Self::VisitPlanned { scheduled_at, .. } => {
                let at = (*scheduled_at + chrono::Duration::hours(9)).format("%Y-%m-%d %H:%M");
                if korean {
                    format!("공동 가정방문이 예정되었습니다 ({at})")
                } else {
                    format!("A joint home visit is planned ({at} KST)")
                }
            }
            Self::WebhookDisabled { .. } => t(
                "웹훅 전송이 계속 실패해 구독이 중지되었습니다",
                "A webhook subscription was disabled after failing deliveries",
            ),
            Self::PasswordReset { .. } => t(
                "직원의 비밀번호가 다른 사람에 의해 재설정되었습니다(임시 비밀번호)",
                "A staff member's password was reset by someone else (temporary password)",
            ),
            Self::ConsentSelfRecorded { .. } => t(
                "다른 기관이 스스로 열람 권한을 주는 정보제공동의를 기록했습니다. 검토해 주세요",
                "Another organization recorded a consent giving itself access; please review it",
            ),
            Self::ConsentRevoked { .. } => t(
                "기록한 정보제공동의가 검토 후 철회되었습니다",
                "A consent your organization recorded was revoked on review",
            ),
            Self::OverrideRequested { .. } => t(
                "중복지원 예외 승인 요청이 있습니다",
                "An override awaits approval",
            ),
            Self::OverrideDecided { approved, .. } => {
                if *approved {
                    t(
                        "예외 승인 요청이 승인되었습니다",
                        "Your override was approved",
                    )
                } else {
                    t(
                        "예외 승인 요청이 반려되었습니다",
                        "Your override was rejected",
                    )
                }
            }
            Self::HandoverCompleted {
                successor_name,
                moved,
                ..
            } => {
                if korean {
                    format!("담당자가 바뀌었습니다: 후임 {successor_name} ({moved}건)")
                } else {
                    format!("Handover: {successor_name} now handles {moved} item(s)")
                }
            }
            Self::AssessmentRecorded { .. } => {
                t("사정 기록이 추가되었습니다", "An assessment was recorded")
            }
            Self::PlanRecorded { .. } => t(
                "서비스 계획에 기관 또는 담당자로 지정되었습니다",
                "A service plan names you or your organization",
            ),
            Self::PlanReviewed { .. } => t(
                "서비스 계획 점검이 기록되었습니다",
                "A plan review was recorded",
            ),
            Self::CaseMemberChanged { added: true, .. } => t(
                "가구원이 사례에 추가되었습니다",
                "A member was added to a case",
            ),
            Self::CaseMemberChanged { added: false, .. } => t(
                "가구원이 사례에서 빠졌습니다",
                "A member was removed from a case",
            ),
            Self::AgendaRequested { .. } => t(
                "회의 안건 상정 요청이 있습니다",
                "A case was proposed for your meeting",
            ),
            Self::AgendaRequestAnswered { accepted: true, .. } => t(
                "안건 상정 요청이 받아들여졌습니다",
                "Your agenda request was accepted",
            ),
            Self::AgendaRequestAnswered {
                accepted: false, ..
            } => t(
                "안건 상정 요청이 거절되었습니다",
                "Your agenda request was declined",
            ),
            Self::CaseUpdated { .. } => t("사례 정보가 바뀌었습니다", "A case changed"),
            Self::NoteAdded { .. } => {
                t("사례에 기록이 추가되었습니다", "A note was added to a case")
            }
            Self::ActionItemCompleted { .. } => {
                t("조치 사항이 완료되었습니다", "An action item was completed")
            }
            Self::LeadChanged {
                referral_id: Some(_),
                ..
            } => t(
                "의뢰를 수락하여 기관이 사례의 주관기관이 되었습니다",
                "By accepting a referral your organization now leads a case",
            ),
            Self::LeadChanged { .. } => t(
                "회의 결정으로 기관이 사례의 주관기관이 되었습니다",
                "By a meeting's decision your organization now leads a case",
            ),
            Self::AgendaChanged { added: true, .. } => t(
                "사례가 회의 안건이 되었습니다",
                "A case was put on a meeting's agenda",
            ),
            Self::AgendaChanged { added: false, .. } => t(
                "사례가 회의 안건에서 빠졌습니다",
                "A case was taken off a meeting's agenda",
            ),
            Self::MeetingCancelled { .. } => t("회의가 취소되었습니다", "A meeting was cancelled"),
            Self::DecisionApplied { .. } => t(
                "회의 결정이 사례에 반영되었습니다",
                "A meeting's decision was applied to a case",
            ),
            Self::CaseHandedOver { successor_name, .. } => {
                if korean {
                    format!("사례 담당자가 바뀌었습니다: 후임 {successor_name}")
                } else {
                    format!("A case was handed over to {successor_name}")
                }
            }
            Self::ReferralWaiting { days, .. } => {
                if korean {
                    format!("의뢰가 {days}일째 답을 기다리고 있습니다")
                } else {
                    format!("A referral has waited {days} days for an answer")
                }
            }
            Self::AccessLost { cases, .. } => {
                let nos: Vec<&str> = cases.iter().map(|(_, no)| no.as_str()).collect();
                match (korean, nos.is_empty()) {
                    (true, true) => "정보제공동의가 철회되어 대상자의 정보를 더 볼 수 없습니다".into(),
                    (true, false) => format!(
                        "정보제공동의가 철회되어 사례 {}의 대상자 정보를 더 볼 수 없습니다",
                        nos.join(", ")
                    ),
                    (false, true) => "A consent was withdrawn: your organization no longer sees a person's details".into(),
                    (false, false) => format!(
                        "A consent was withdrawn: your organization no longer sees the details of the person of case {}",
                        nos.join(", ")
                    ),
                }
            }
            Self::FollowUpEnded { .. } => t(
                "사후관리 기간이 끝나 사례가 종결되었습니다",
                "A follow-up period ended; the case is closed",
            ),
            Self::MeetingChanged { .. } => t(
                "초대받은 회의의 일시나 장소가 바뀌었습니다",
                "A meeting you are invited to moved (time or place)",
            ),
            Self::AllocationStatusChanged { status, .. } => match *status {
                "delivered" => t("지원이 전달되었습니다", "An allocation was delivered"),
                "cancelled" => t("지원이 취소되었습니다", "An allocation was cancelled"),
                _ => t("지원 상태가 바뀌었습니다", "An allocation changed status"),
            },
            Self::Record(r) => r.title(korean),
            Self::RunCompleted(r) => r.title(korean),
        }
    }
}
