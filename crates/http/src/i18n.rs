//! Korean first, English too: the language of a response (by `Accept-Language`, q-values
//! honoured, else `HAMKKE_DEFAULT_LANG`), and the catalogue of problem texts. Every problem
//! `code` and every field-error `code` has a Korean and an English text in one typed table:
//! a code without both does not compile. Codes stay stable English identifiers; only `title`,
//! `detail` and `errors[].message` change language.

use serde_json::Value;

/// A response language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ko" | "ko-kr" => Some(Lang::Ko),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }
}

/// The language an `Accept-Language` header prefers among Korean and English (highest
/// q-value first; `q=0` excludes; ties keep the header's order); `default` when it names
/// neither.
pub fn negotiate(header: Option<&str>, default: Lang) -> Lang {
    let Some(h) = header else { return default };
    let mut best: Option<(f32, usize, Lang)> = None;
    for (i, part) in h.split(',').enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("ko") => Lang::Ko,
            Some("en") => Lang::En,
            Some("*") => default,
            _ => continue,
        };
        if q <= 0.0 || !q.is_finite() {
            continue;
        }
        if best.is_none_or(|(bq, _, _)| q > bq) {
            best = Some((q, i, lang));
        }
    }
    best.map_or(default, |(_, _, l)| l)
}

/// The language of a request: its `Accept-Language`, else the configured default.
pub fn request_lang(req: &actix_web::HttpRequest) -> Lang {
    let default = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map_or(Lang::Ko, |s| s.config.default_lang);
    negotiate(
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        default,
    )
}

/// A text in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub ko: &'static str,
    pub en: &'static str,
}

const fn t(ko: &'static str, en: &'static str) -> Text {
    Text { ko, en }
}

/// Problem codes: title and detail.
pub const PROBLEMS: &[(&str, Text, Text)] = &[
    ("validation_failed", t("입력값 오류", "Invalid input"), t("요청에 잘못된 항목이 있습니다. errors를 확인하세요.", "The request has invalid fields; see errors.")),
    ("bad_request", t("잘못된 요청", "Bad request"), t("요청을 처리할 수 없습니다.", "The request cannot be processed.")),
    ("invalid_json", t("잘못된 요청", "Bad request"), t("본문이 올바른 JSON이 아닙니다.", "The body is not valid JSON.")),
    ("invalid_body", t("잘못된 요청", "Bad request"), t("본문을 읽을 수 없습니다.", "The body cannot be read.")),
    ("invalid_path", t("잘못된 요청", "Bad request"), t("경로의 값이 올바르지 않습니다.", "A value in the path is not valid.")),
    ("invalid_query", t("잘못된 요청", "Bad request"), t("쿼리 문자열의 값이 올바르지 않습니다.", "A value in the query string is not valid.")),
    ("invalid_characters", t("잘못된 요청", "Bad request"), t("허용되지 않는 문자(NUL 등 제어 문자, 이름의 방향 제어·폭 없는 문자)가 들어 있습니다.", "The request contains characters that are not allowed (NUL or other control characters; in names, bidirectional controls or zero-width characters).")),
    ("date_out_of_range", t("잘못된 요청", "Bad request"), t("날짜가 0001년부터 9999년 사이가 아닙니다.", "A date lies outside the years 0001 to 9999.")),
    ("missing_token", t("인증 필요", "Unauthorized"), t("로그인 후 액세스 토큰을 보내세요.", "Log in and send the access token.")),
    ("invalid_token", t("인증 필요", "Unauthorized"), t("액세스 토큰이 올바르지 않습니다.", "The access token is not valid.")),
    ("token_expired", t("인증 필요", "Unauthorized"), t("액세스 토큰이 만료되었습니다. 갱신하세요.", "The access token has expired; refresh it.")),
    ("session_ended", t("인증 필요", "Unauthorized"), t("세션이 종료되었습니다. 다시 로그인하세요.", "The session has ended; log in again.")),
    ("invalid_credentials", t("인증 실패", "Unauthorized"), t("아이디 또는 비밀번호가 올바르지 않습니다.", "The username or password is wrong.")),
    ("invalid_refresh_token", t("인증 필요", "Unauthorized"), t("갱신 토큰이 올바르지 않습니다.", "The refresh token is not valid.")),
    ("refresh_token_reused", t("인증 필요", "Unauthorized"), t("이미 사용한 갱신 토큰입니다. 세션이 종료되었습니다.", "This refresh token was already used; the session has ended.")),
    ("forbidden", t("권한 없음", "Forbidden"), t("이 작업을 할 권한이 없습니다.", "You may not do this.")),
    ("password_change_required", t("비밀번호 변경 필요", "Password change required"), t("관리자가 정한 비밀번호입니다. 먼저 비밀번호를 바꾸세요.", "This password was set by an administrator: change it first.")),
    ("not_found", t("찾을 수 없음", "Not found"), t("대상이 없거나 볼 수 없습니다.", "No such resource, or not visible to you.")),
    ("method_not_allowed", t("허용되지 않는 메서드", "Method not allowed"), t("이 경로에서 지원하지 않는 메서드입니다.", "This method is not supported on this path.")),
    ("precondition_failed", t("버전 불일치", "Precondition failed"), t("그 사이에 다른 사람이 바꿨습니다. 다시 불러온 뒤 시도하세요.", "Someone changed it meanwhile; reload and retry.")),
    ("precondition_required", t("If-Match 필요", "Precondition required"), t("바꾸려는 버전의 ETag를 If-Match로 보내세요.", "Send If-Match with the ETag of the version you change.")),
    ("payload_too_large", t("본문이 너무 큼", "Payload too large"), t("요청 본문이 허용 크기보다 큽니다.", "The request body is larger than allowed.")),
    ("unsupported_media_type", t("지원하지 않는 형식", "Unsupported media type"), t("지원하지 않는 형식입니다. 요청 본문은 application/json으로, 파일은 multipart/form-data로 PDF·JPEG·PNG·HEIC 중 하나를 보내세요.", "Unsupported format: send request bodies as application/json, and files as multipart/form-data holding a PDF, JPEG, PNG or HEIC.")),
    ("imports_busy", t("요청이 너무 많음", "Too many requests"), t("서버가 동시에 처리하는 만큼의 가져오기가 진행 중입니다. 잠시 후 다시 시도하세요.", "As many imports as the server runs at once are running; retry shortly.")),
    ("report_running", t("요청이 너무 많음", "Too many requests"), t("진행 중인 보고서가 있습니다. 끝난 뒤 다시 시도하세요.", "A report of yours is running; retry when it is done.")),
    ("report_timeout", t("보고서 시간 초과", "Report timed out"), t("보고서가 제한 시간 안에 끝나지 않았습니다. 기간이나 범위를 줄여 다시 시도하세요.", "The report did not finish in time; narrow the period or scope and retry.")),
    ("rate_limited", t("요청이 너무 많음", "Too many requests"), t("잠시 후 다시 시도하세요.", "Slow down and retry later.")),
    ("unavailable", t("일시적으로 사용할 수 없음", "Service unavailable"), t("데이터베이스가 바쁘거나 연결되지 않습니다. 잠시 후 다시 시도하세요.", "The database is busy or unreachable; retry shortly.")),
    ("internal_error", t("내부 오류", "Internal error"), t("예기치 않은 오류가 기록되었습니다.", "An unexpected error occurred; it has been logged.")),
    ("idempotency_key_in_progress", t("처리 중", "Conflict"), t("같은 Idempotency-Key의 요청이 아직 처리 중입니다.", "A request with this Idempotency-Key is still running.")),
    ("idempotency_key_reused", t("키 재사용", "Unprocessable request"), t("Idempotency-Key가 다른 요청에 이미 쓰였습니다.", "This Idempotency-Key was used for another request.")),
    ("idempotent_request_committed", t("이미 처리됨", "See other"), t("이 키의 요청은 이미 처리되었습니다. Location을 보세요.", "The request of this key was committed; see Location.")),
    ("username_taken", t("충돌", "Conflict"), t("이미 쓰이는 아이디입니다.", "This username is taken.")),
    ("person_already_registered", t("이미 등록된 대상자", "Conflict"), t("같은 주민등록번호의 대상자가 이미 등록되어 있습니다.", "A person with this resident registration number is already registered.")),
    ("possible_duplicate_person", t("동일인 의심", "Conflict"), t("같은 사람일 수 있는 대상자가 있습니다. possible_duplicates를 확인하세요.", "Persons of the district may be the same person; see possible_duplicates.")),
    ("transfer_pending", t("충돌", "Conflict"), t("처리 중인 전입 요청이 있습니다.", "A transfer of this person is pending.")),
    ("transfer_decided", t("충돌", "Conflict"), t("이미 처리된 전입 요청입니다.", "This transfer has been decided.")),
    ("receipt_issued", t("이미 발급됨", "Already issued"), t("영수증이 방금 발급되었습니다. 다시 발급하려면 한 번 더 요청하세요.", "The receipt was issued meanwhile; ask again to reissue it.")),
    ("out_of_stock", t("재고 부족", "Out of stock"), t("이 지원이 쓸 수 있는 재고(유효기한 안, 지정 조건에 맞는 것)가 모자랍니다.", "The stock this allocation may use is not enough.")),
    ("quota_exhausted", t("배정량 초과", "Quota used up"), t("이 캠페인에서 기관의 배정량(세대, 인원 또는 금액)을 다 썼습니다.", "The organization's quota in this campaign is used up.")),
    ("already_nominated", t("이미 추천됨", "Already nominated"), t("이 캠페인에서 이미 추천된 대상자(또는 세대)입니다.", "This person (or household) is nominated in this campaign already.")),
    ("campaign_closed", t("캠페인 마감", "Campaign closed"), t("이 캠페인은 더 이상 추천을 받지 않습니다.", "The campaign takes no more nominations.")),
    ("campaign_status", t("충돌", "Conflict"), t("캠페인이 이미 그 상태입니다.", "The campaign is in that state already.")),
    ("campaign_ended", t("캠페인 기간 종료", "Campaign ended"), t("기간이 끝난 캠페인은 다시 열 수 없습니다. 새 캠페인을 시작하세요.", "A campaign past its last day cannot be opened again; start a new one.")),
    ("nomination_decided", t("충돌", "Conflict"), t("이미 결정되었거나 취소된 추천입니다.", "This nomination has been decided or withdrawn.")),
    ("transfer_stale", t("충돌", "Conflict"), t("대상자가 더 이상 이 요청의 출발 구에 있지 않습니다.", "The person no longer belongs to the district this transfer moves them from.")),
    ("open_case_exists", t("진행 중인 사례 있음", "Conflict"), t("이미 진행 중인 사례가 있습니다. 주 사례관리 기관에 참여를 요청하세요.", "An open case exists; ask its lead organization to add you.")),
    ("invalid_transition", t("상태 변경 불가", "Conflict"), t("현재 상태에서 그 상태로 바꿀 수 없습니다. allowed를 확인하세요.", "The case cannot move to that status now; see allowed.")),
    ("already_participant", t("충돌", "Conflict"), t("이미 사례에 참여하는 기관입니다.", "This organization already takes part in the case.")),
    ("lead_cannot_leave", t("충돌", "Conflict"), t("주 사례관리 기관은 뺄 수 없습니다. 회의 결정으로 바꾸세요.", "The lead cannot leave; change the lead by a meeting decision.")),
    ("already_assigned", t("충돌", "Conflict"), t("이미 배정된 담당자입니다.", "This worker is already assigned.")),
    ("case_closed", t("종결된 사례", "Conflict"), t("종결된 사례입니다. 먼저 재개하세요.", "The case is closed; reopen it first.")),
    ("plan_superseded", t("이전 계획", "Conflict"), t("더 새로운 서비스 계획이 있습니다. 그 계획을 점검하세요.", "A later revision of this plan is in force; review that one.")),
    ("not_household_case", t("충돌", "Conflict"), t("가구 단위 사례에만 가구원을 추가할 수 있습니다.", "Members are added to household cases only.")),
    ("already_member", t("충돌", "Conflict"), t("이미 사례의 가구원입니다.", "The person is already a member of this case.")),
    ("primary_member", t("충돌", "Conflict"), t("주 대상자는 사례에서 뺄 수 없습니다.", "The primary person stays on the case.")),
    ("visit_completed", t("충돌", "Conflict"), t("이미 완료된 방문입니다.", "This visit has been completed.")),
    ("meeting_closed", t("회의 종료", "Conflict"), t("이미 개최되었거나 취소된 회의입니다.", "The meeting has been held or cancelled.")),
    ("referral_not_accepted", t("의뢰 수락 전", "Conflict"), t("의뢰를 받은 기관이 수락한 뒤에 타 기관 의뢰로 전환할 수 있습니다.", "A case is referred out once an organization has accepted its referral.")),
    ("transfer_open_case", t("진행 중인 사례 있음", "Conflict"), t("보내는 구에 진행 중인 사례가 있습니다. 주 사례관리 기관이 사례를 종결하거나 다른 기관에 의뢰한 뒤 전입을 승인하세요.", "An open case in the sending district: its lead closes or refers it, then approve the transfer.")),
    ("meeting_not_started", t("회의 전", "Conflict"), t("회의 예정일 이후에 결과를 확정할 수 있습니다.", "A meeting can be finalized from its scheduled day on.")),
    ("already_on_agenda", t("충돌", "Conflict"), t("이미 이 회의의 안건이거나 상정 요청된 사례입니다.", "The case is already on the agenda or proposed for it.")),
    ("own_meeting", t("충돌", "Conflict"), t("주관 기관은 안건을 직접 올립니다.", "The host puts cases on its own agenda directly.")),
    ("already_answered", t("충돌", "Conflict"), t("이미 답한 요청입니다.", "The request has been answered.")),
    ("finalize_blocked", t("확정 불가", "Conflict"), t("결정이 없거나 상태상 적용할 수 없는 안건이 있어 아무것도 바꾸지 않았습니다. cases를 확인하세요.", "Some agenda cases have no decision or one their status does not allow; nothing was changed; see cases.")),
    ("referral_pending", t("충돌", "Conflict"), t("이 기관에 처리 중인 의뢰가 이미 있습니다.", "A referral to this organization is pending.")),
    ("referral_outdated", t("의뢰 이후 사례 변경", "Conflict"), t("의뢰를 보낸 뒤 사례의 주관기관이나 상태가 바뀌었습니다. 이 의뢰는 거절하고, 주관기관이 새로 의뢰할 수 있습니다.", "The case's lead or status changed since this referral was sent; decline it, and the lead may send a new one.")),
    ("lead_changed", t("주관기관 변경됨", "Conflict"), t("사례를 읽은 뒤 주관기관이 바뀌었습니다. 다시 불러오세요.", "The case's lead changed since it was read; reload it.")),
    ("invalid_referral_transition", t("충돌", "Conflict"), t("현재 의뢰 상태에서 할 수 없는 처리입니다.", "The referral cannot move that way now.")),
    ("not_a_hub", t("충돌", "Conflict"), t("거점복지관은 복지관이어야 합니다.", "Only a welfare centre is a hub of dong centres.")),
    ("already_completed", t("충돌", "Conflict"), t("이미 완료되었습니다.", "Already completed.")),
    ("resource_has_given", t("충돌", "Conflict"), t("이미 지급한 자원은 급여 종류를 바꿀 수 없습니다. 새 자원을 만드세요.", "A resource that has given cannot change its benefit type; create a new resource.")),
    ("not_self_recorded", t("충돌", "Conflict"), t("검토 후 철회는 기관이 스스로 기록한 동의에만 할 수 있습니다. 다른 동의는 기록한 기관이 철회합니다.", "Only a consent an organization recorded for itself is revoked on review; the recording organization withdraws others.")),
    ("already_exists", t("충돌", "Conflict"), t("이미 있습니다. 방금 다른 요청이 같은 것을 만들었을 수 있습니다.", "This already exists (another request may just have created it).")),
    ("concurrent_change", t("충돌", "Conflict"), t("다른 요청이 같은 기록을 동시에 바꾸었습니다. 아무것도 저장되지 않았으니 다시 시도하십시오.", "Another request changed the same records at the same moment; nothing was written, try again.")),
    ("already_changed", t("충돌", "Conflict"), t("다른 요청이 이 사례의 상태를 먼저 바꾸었습니다. 다시 불러오십시오.", "Another request changed this case's status first; reload it.")),
    ("allocation_changed", t("충돌", "Conflict"), t("다른 요청이 이 지원 기록을 먼저 바꾸었습니다. 다시 불러오십시오.", "Another request changed this allocation first; reload it.")),
    ("merged_into", t("충돌", "Conflict"), t("다른 기록으로 병합된 기록이라 바꿀 수 없습니다. 남은 기록(survivor_id)을 쓰십시오.", "This record was merged into another and is read-only; use the survivor's id.")),
    ("already_merged", t("충돌", "Conflict"), t("그 사이 기록 하나가 병합되었습니다. 목록을 다시 불러오십시오.", "One of these records has been merged meanwhile; reload the queue.")),
    ("pair_closed", t("충돌", "Conflict"), t("기록 하나가 다른 구로 전입하여 이 쌍은 닫혔습니다.", "One of these records has moved to another district; the pair is closed.")),
    ("already_withdrawn", t("충돌", "Conflict"), t("이미 철회된 동의입니다.", "This consent was already withdrawn.")),
    ("benefit_type_code_taken", t("충돌", "Conflict"), t("이 구에 같은 코드의 급여·서비스 유형이 있습니다.", "A benefit type with this code exists in the district.")),
    ("duplicate_benefit", t("중복 지원", "Conflict"), t("같은 급여가 이미 지원되었습니다. conflicts와 rule을 확인하세요.", "This benefit was already given; see conflicts and rule.")),
    ("invalid_allocation_transition", t("충돌", "Conflict"), t("현재 지원 상태에서 할 수 없는 처리입니다.", "The allocation cannot move that way now.")),
    ("already_decided", t("충돌", "Conflict"), t("이미 병합되었거나 동일인 아님으로 처리된 쌍입니다.", "This pair has been merged or dismissed.")),
    ("different_rrns", t("병합 불가", "Conflict"), t("두 기록의 주민등록번호가 달라 같은 사람이 아닙니다.", "Both records hold different resident registration numbers: not the same person.")),
];

/// Field-error codes: the message.
pub const FIELDS: &[(&str, Text)] = &[
    ("required", t("필수 항목입니다", "is required")),
    // Who may do what a 403 refused (`hamkke_domain::Who`).
    ("requires_case_lead", t("사례 주관기관만 할 수 있습니다", "Only the case's lead organization may do this")),
    ("requires_case_lead_or_coordinator", t("사례 주관기관 또는 구 희망복지지원단 통합사례관리사만 할 수 있습니다", "Only the case's lead organization or the district's coordinators may do this")),
    ("requires_case_participant", t("사례에 참여해 일하는 기관(주관·공동·서비스 제공·방문 기관)만 할 수 있습니다", "Only organizations working on the case (lead, co-manager, service provider, visitor) may do this")),
    ("requires_caseworker", t("사례를 맡는 기관의 실무자만 할 수 있습니다", "Only caseworkers of an organization that works cases may do this")),
    ("requires_coordinator", t("구 희망복지지원단 통합사례관리사만 할 수 있습니다", "Only the district's coordinators may do this")),
    ("requires_coordinator_or_auditor", t("구 희망복지지원단 통합사례관리사 또는 감사 담당자만 할 수 있습니다", "Only the district's coordinators or auditors may do this")),
    ("requires_auditor", t("감사 담당자 또는 시스템 관리자만 할 수 있습니다", "Only auditors or system administrators may do this")),
    ("requires_system_admin", t("시스템 관리자만 할 수 있습니다", "Only a system administrator may do this")),
    ("requires_org_admin", t("해당 기관의 관리자만 할 수 있습니다", "Only the organization's own admin may do this")),
    ("requires_org_admin_or_coordinator", t("해당 기관의 관리자·팀장 또는 구 희망복지지원단 통합사례관리사만 할 수 있습니다", "Only the organization's admin or supervisor, or the district's coordinators, may do this")),
    ("requires_registering_org", t("대상자를 등록한 기관만 할 수 있습니다", "Only the organization that registered the person may do this")),
    ("requires_registering_org_or_lead", t("대상자를 등록한 기관 또는 진행 중인 사례의 주관기관만 할 수 있습니다", "Only the organization that registered the person or the lead of an open case may do this")),
    ("requires_registering_org_or_coordinator", t("대상자를 등록한 기관 또는 구 희망복지지원단 통합사례관리사만 할 수 있습니다", "Only the organization that registered the person or the district's coordinators may do this")),
    ("requires_consent", t("대상자의 정보 제공 동의서에 적힌 기관(또는 등록 기관)만 볼 수 있습니다", "Only organizations the person's consent names (or the registering one) may see this")),
    ("requires_referral_receiver", t("의뢰를 받은 기관만 할 수 있습니다", "Only the organization the referral was sent to may do this")),
    ("requires_referral_end", t("의뢰한 기관 또는 의뢰받은 기관만 할 수 있습니다", "Only the referring or the receiving organization may do this")),
    ("requires_meeting_host", t("회의를 주관하는 기관만 할 수 있습니다", "Only the meeting's host organization may do this")),
    ("requires_provider", t("지원한 기관(취소는 구 희망복지지원단 통합사례관리사도)만 할 수 있습니다", "Only the providing organization (or, to cancel, the district's coordinators) may do this")),
    ("requires_receiving_org", t("후원을 받은 기관만 할 수 있습니다", "Only the organization that received the donation may do this")),
    ("requires_campaign_quota", t("캠페인에 배정량이 있는 기관(읽기는 구 희망복지지원단 통합사례관리사와 감사 담당도)만 할 수 있습니다", "Only an organization with a quota in the campaign (to read: also the district's coordinators and auditors) may do this")),
    ("requires_resource_owner", t("자원을 등록한 기관 또는 구 희망복지지원단 통합사례관리사만 할 수 있습니다", "Only the organization that created the resource or the district's coordinators may do this")),
    ("requires_someone_else", t("요청한 본인이 아닌 다른 담당자가 해야 합니다", "Someone other than the requester must do this")),
    (
        "activation_invalid",
        t(
            "활성화 코드가 틀렸거나 이미 쓰였거나 만료되었습니다",
            "is wrong, used or expired",
        ),
    ),
    (
        "invalid_xlsx",
        t(
            "읽을 수 있는 XLSX 통합 문서가 아닙니다",
            "is not a readable XLSX workbook",
        ),
    ),
    (
        "xlsx_too_large",
        t(
            "통합 문서가 너무 큽니다(셀 200,000개, 압축 해제 50MB까지). 목록을 나누세요",
            "is too large (at most 200,000 cells, 50 MB inflated); split the list",
        ),
    ),
    (
        "length",
        t(
            "길이가 허용 범위를 벗어났습니다",
            "has a length out of range",
        ),
    ),
    (
        "range",
        t("값이 허용 범위를 벗어났습니다", "is out of range"),
    ),
    (
        "out_of_range",
        t("값이 허용 범위를 벗어났습니다", "is out of range"),
    ),
    (
        "invalid_value",
        t("올바른 값이 아닙니다", "is not a valid value"),
    ),
    (
        "invalid_type",
        t("형식이 맞지 않습니다", "has the wrong type"),
    ),
    (
        "invalid_format",
        t("형식이 올바르지 않습니다", "is not well formed"),
    ),
    (
        "unknown_field",
        t("알 수 없는 항목입니다", "is not a known field"),
    ),
    (
        "invalid_reference",
        t(
            "없거나 볼 수 없는 대상입니다",
            "does not exist or is not visible to the caller",
        ),
    ),
    ("unknown", t("없거나 볼 수 없는 대상입니다", "is unknown")),
    (
        "not_allowed",
        t("이 요청에서는 쓸 수 없습니다", "is not allowed here"),
    ),
    ("duplicate", t("중복되었습니다", "is repeated")),
    ("mismatch", t("다른 항목과 맞지 않습니다", "does not match")),
    ("invalid_business_number", t("사업자등록번호 형식이 아닙니다", "is not a business number")),
    ("not_own", t("받는 기관의 자원이 아닙니다", "is not a resource of the receiving organization")),
    ("not_in_campaign", t("캠페인이 주는 급여유형이 아닙니다", "is not a benefit type of the campaign")),
    (
        "invalid_rrn",
        t(
            "올바른 주민등록번호가 아닙니다",
            "is not a valid resident registration number",
        ),
    ),
    (
        "not_member",
        t(
            "사례의 대상자(가구원)가 아닙니다",
            "is not one of the people of the case",
        ),
    ),
    (
        "not_participant",
        t(
            "사례에 참여하는 기관의 직원이 아닙니다",
            "is not staff of an organization on the case",
        ),
    ),
    (
        "not_on_agenda",
        t("회의 안건이 아닙니다", "is not on the agenda"),
    ),
    (
        "not_in_pair",
        t("이 쌍의 대상자가 아닙니다", "is not one of the pair"),
    ),
    (
        "no_hub",
        t(
            "소속 기관에 지정된 거점복지관이 없습니다",
            "no hub welfare centre is set for your organization",
        ),
    ),
    (
        "replaced",
        t("더 이상 쓰지 않는 방식입니다", "has been replaced"),
    ),
    (
        "same_district",
        t("같은 구로는 전입할 수 없습니다", "is the same district"),
    ),
    (
        "role_not_allowed_in_org",
        t(
            "이 기관에서 가질 수 없는 역할입니다",
            "is not a role of this organization",
        ),
    ),
    (
        "invalid_multipart",
        t(
            "multipart 본문이 올바르지 않습니다",
            "is not a valid multipart body",
        ),
    ),
    ("empty", t("비어 있습니다", "is empty")),
    ("invalid_uuid", t("UUID 형식이어야 합니다", "must be a UUID")),
    (
        "unsupported_media_type",
        t(
            "지원하지 않는 파일 형식입니다",
            "is not a supported file type",
        ),
    ),
    (
        "email",
        t(
            "올바른 이메일 주소가 아닙니다",
            "is not a valid e-mail address",
        ),
    ),
    ("url", t("올바른 URL이 아닙니다", "is not a valid URL")),
    ("regex", t("형식이 올바르지 않습니다", "is not well formed")),
    ("too_short", t("너무 짧습니다", "is too short")),
    ("too_long", t("너무 깁니다", "is too long")),
    (
        "too_common",
        t("흔히 쓰이는 비밀번호입니다", "is a commonly used password"),
    ),
    (
        "contains_username",
        t(
            "아이디를 포함할 수 없습니다",
            "must not contain the username",
        ),
    ),
    ("too_simple", t("너무 단순합니다", "is too simple")),
];

pub fn problem(code: &str) -> Option<(Text, Text)> {
    PROBLEMS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, title, detail)| (*title, *detail))
}

pub fn field(code: &str) -> Option<Text> {
    FIELDS.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// Puts a problem document into Korean: the title and detail by its code, each field error's
/// message by its code, with the specific English wording kept in parentheses where it says
/// more (e.g. the allowed length, or who may do what was refused). English documents stay as written.
pub fn localize(problem: &mut Value, lang: Lang) {
    if lang == Lang::En {
        return;
    }
    let code = problem["code"].as_str().unwrap_or_default().to_owned();
    if let Some((title, detail)) = self::problem(&code) {
        problem["title"] = title.ko.into();
        // A refusal's own reason (which role may; which field) is kept after the Korean wording.
        let original = problem["detail"].as_str().unwrap_or_default().to_owned();
        let specific = matches!(code.as_str(), "forbidden" | "invalid_characters");
        let who = problem["errors"][0]["code"]
            .as_str()
            .filter(|c| code == "forbidden" && c.starts_with("requires_"))
            .and_then(field);
        problem["detail"] = if let Some(who) = who {
            format!("{}. ({original})", who.ko).into()
        } else if specific && !original.is_empty() && original != detail.en {
            format!("{} ({original})", detail.ko).into()
        } else {
            detail.ko.into()
        };
    }
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        for e in errors {
            let code = e["code"].as_str().unwrap_or_default().to_owned();
            let original = e["message"].as_str().unwrap_or_default().to_owned();
            if let Some(m) = field(&code) {
                e["message"] = if original.is_empty() || original == m.en {
                    m.ko.into()
                } else {
                    format!("{} ({original})", m.ko).into()
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hangul(s: &str) -> bool {
        s.chars().any(|c| ('가'..='힣').contains(&c))
    }

    #[test]
    fn every_refusal_says_who_may_in_both_languages() {
        for who in hamkke_domain::Who::ALL {
            let text = field(who.code()).unwrap_or_else(|| panic!("{} has no text", who.code()));
            assert!(hangul(text.ko) && !text.en.is_empty(), "{}", who.code());
        }
    }

    #[test]
    fn every_entry_has_both_languages_and_codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (code, title, detail) in PROBLEMS {
            assert!(seen.insert(*code), "{code} twice");
            for t in [title, detail] {
                assert!(hangul(t.ko), "{code}: {}", t.ko);
                assert!(!t.en.is_empty() && t.en.is_ascii(), "{code}: {}", t.en);
            }
        }
        for (code, m) in FIELDS {
            assert!(
                seen.insert(*code) || problem(code).is_some(),
                "{code} twice"
            );
            assert!(hangul(m.ko) && m.en.is_ascii(), "{code}");
        }
    }

    #[test]
    fn q_values_decide() {
        assert_eq!(negotiate(None, Lang::Ko), Lang::Ko);
        assert_eq!(negotiate(Some("en"), Lang::Ko), Lang::En);
        assert_eq!(negotiate(Some("en-US,en;q=0.9"), Lang::Ko), Lang::En);
        assert_eq!(negotiate(Some("en;q=0.5, ko;q=0.8"), Lang::En), Lang::Ko);
        assert_eq!(
            negotiate(Some("ko-KR,ko;q=0.9,en-US;q=0.8"), Lang::En),
            Lang::Ko
        );
        assert_eq!(negotiate(Some("fr, de"), Lang::Ko), Lang::Ko);
        assert_eq!(negotiate(Some("ko;q=0, en"), Lang::Ko), Lang::En);
        assert_eq!(negotiate(Some("*"), Lang::En), Lang::En);
        assert_eq!(negotiate(Some("en;q=abc"), Lang::Ko), Lang::En);
    }
}
