#!/usr/bin/env bash
# A district's case in the order the field works it — visit, assess, meeting, refer, accept —
# with curl against a server seeded with the demo district (`hamkke seed-demo`). README's
# "In the order the field works" section is this script; CI runs it against a fresh demo
# server, so the walk stays true.
#
#   HAMKKE_URL=http://127.0.0.1:8080 DONG_PASSWORD=… WELFARE_PASSWORD=… docs/field-walk.sh
set -euo pipefail
api="${HAMKKE_URL:-http://127.0.0.1:8080}/api/v1"

token() { # username password
  curl -sf "$api/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token
}
call() { # token method path [json]
  local body=()
  [ $# -gt 3 ] && body=(--data-binary "$4")
  curl -sS --fail-with-body -X "$2" "$api$3" -H "authorization: Bearer $1" \
    -H 'content-type: application/json' -H 'accept-language: ko' "${body[@]}"
}

dong=$(token demo.dong "$DONG_PASSWORD")          # 동 주민센터 맞춤형복지 담당
welfare=$(token demo.welfare "$WELFARE_PASSWORD") # 사회복지관 사례관리자
welfare_org=$(call "$welfare" GET /me | jq -r .user.org_id)
welfare_user=$(call "$welfare" GET /me | jq -r .user.id)
today=$(date -u +%F)
soon=$(date -u -d '+1 hour' +%FT%TZ)

# 1. 발굴 — the dong official registers the person found in outreach, records the consent
#    (naming the welfare centre) and opens a case.
person=$(call "$dong" POST /persons '{"name":"최영자","birth_date":"1944-03-02","phone":"010-2222-3333"}' | jq -r .id)
call "$dong" POST "/persons/$person/consents" "{\"purpose\":\"통합사례관리\",\"scope\":\"organizations\",\"organization_ids\":[\"$welfare_org\"],\"expires_at\":\"$(date -u -d '+1 year' +%FT%TZ)\"}" > /dev/null
case=$(call "$dong" POST /cases "{\"person_id\":\"$person\",\"case_type\":\"general\",\"risk_level\":\"high\",\"source\":\"outreach\",\"summary\":\"독거, 난방비 체납\"}" | jq -r .id)

# 2. 1+1 가정방문 — visit together first: the welfare centre's worker joins, and the centre
#    takes part in the case as a `visitor`; the co-visitor records the visit.
visit=$(call "$dong" POST "/cases/$case/visits" "{\"scheduled_at\":\"$soon\",\"co_visitor_user_ids\":[\"$welfare_user\"],\"purpose\":\"1+1 가정방문\"}" | jq -r .id)
call "$welfare" POST "/visits/$visit/complete" '{"note":"보일러 고장, 장기 사례관리 필요"}' > /dev/null

# 3. 사정 — assess, and bring the case to a meeting.
call "$dong" POST "/cases/$case/transitions" '{"to":"assessing"}' > /dev/null
call "$dong" POST "/cases/$case/assessments" "{\"assessed_on\":\"$today\",\"risk_level\":\"high\",\"summary\":\"주거·건강 위기\",\"domains\":{\"health\":{\"score\":4}}}" > /dev/null
call "$dong" POST "/cases/$case/transitions" '{"to":"awaiting_meeting"}' > /dev/null

# 4. 사정회의 — the meeting decides to refer the case to the welfare centre (a `lead`
#    referral: take the case over) and is finalized from its day on (minutes required).
meeting=$(call "$dong" POST /meetings "{\"kind\":\"assessment\",\"title\":\"사정회의\",\"scheduled_at\":\"$(date -u +%FT%TZ)\",\"case_ids\":[\"$case\"],\"participant_user_ids\":[\"$welfare_user\"]}" | jq -r .id)
call "$dong" POST "/meetings/$meeting/decisions" "{\"case_id\":\"$case\",\"decision\":\"refer\",\"refer_to_org_id\":\"$welfare_org\"}" > /dev/null
call "$dong" POST "/meetings/$meeting/finalize" '{"minutes":"1건 심의: 복지관 의뢰"}' > /dev/null

# 5. 의뢰 — the case waits with its lead until the centre answers; the centre accepts and leads
#    (or declines with a reason: the case goes on with the dong centre, which is told).
referral=$(call "$welfare" GET "/referrals?status=sent" | jq -r --arg c "$case" '.items[] | select(.case_id == $c) | .id')
call "$welfare" POST "/referrals/$referral/accept" '{}' > /dev/null
lead=$(call "$welfare" GET "/cases/$case" | jq -r .lead_org_id)
[ "$lead" = "$welfare_org" ] || { echo "the welfare centre should lead the case now" >&2; exit 1; }
call "$welfare" POST "/cases/$case/transitions" '{"to":"in_service"}' > /dev/null
call "$welfare" GET "/cases/$case/timeline?limit=50" | jq -r '.items[].kind' | sort -u | tr '\n' ' '
echo
echo "field walk: visit -> assess -> meeting -> refer -> accept: the welfare centre leads case $case"
