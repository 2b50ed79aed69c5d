//! Districts are walls and a reference is an access: ids of another district in bodies and
//! query filters are refused like the same ids in paths; opening a case or recording a
//! consent never creates the right it needs; a person crosses districts only by an approved
//! transfer; searches never unmask a redacted person; auditors stay in their district.

use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD};

/// A signed consent form, as a scanner makes it.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// Objects of one district, made by its own caseworker.
struct Side {
    household: String,
    person: String,
    case: String,
    resource: String,
    benefit_type: String,
    meeting: String,
}

async fn side(app: &TestApp, token: &str, name: &str) -> Side {
    let id = |r: crate::support::Resp| {
        assert!(r.status.is_success(), "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let household = id(app
        .post(
            "/api/v1/households",
            Some(token),
            json!({ "address": format!("{name} 주소 1") }),
        )
        .await);
    let person = id(app
        .post(
            "/api/v1/persons",
            Some(token),
            json!({ "name": name, "birth_date": "1950-01-01", "household_id": household }),
        )
        .await);
    let case = app.case(token, &person).await;
    let r = app
        .post_resource(token, json!({ "name": format!("{name} 쌀"), "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    let benefit_type = r.body["benefit_type_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let resource = id(r);
    let meeting = id(app
        .post("/api/v1/meetings", Some(token), json!({ "kind": "assessment", "title": format!("{name} 회의"), "scheduled_at": "2026-11-10T14:00:00Z", "case_ids": [case] }))
        .await);
    Side {
        household,
        person,
        case,
        resource,
        benefit_type,
        meeting,
    }
}

/// The far district's id for a body or query field, by the field's name.
fn far_id(field: &str, far: &Side, w: &World, far_user: &str) -> Option<String> {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    Some(match leaf {
        "household_id" => far.household.clone(),
        "person_id" => far.person.clone(),
        "case_id" | "case_ids" => far.case.clone(),
        "resource_id" => far.resource.clone(),
        "benefit_type_id" | "benefit_type_ids" => far.benefit_type.clone(),
        "lead_org_id"
        | "organization_id"
        | "organization_ids"
        | "to_organization_id"
        | "refer_to_org_id"
        | "provider_org_id"
        | "org_id"
        | "parent_id"
        | "hub_org_id"
        | "designated_organization_id" => w.far_welfare.clone(),
        "user_id"
        | "participant_user_ids"
        | "co_visitor_user_ids"
        | "assignee_user_id"
        | "successor_user_id"
        | "responsible_user_id"
        | "actor_user_id" => far_user.to_owned(),
        "member_person_ids" => far.person.clone(),
        // Attachments are listed by a case of the other district (`subject_type=case`).
        "subject_id" => far.case.clone(),
        // No campaign of the other district in this fixture: an id no campaign has.
        "designated_campaign_id" => uuid::Uuid::now_v7().to_string(),
        // Goal ids belong to the plan reviewed; any other id is unknown to it.
        "goal_id" => far.case.clone(),
        _ => return None,
    })
}

/// The JSON-pointer-like paths of every id field a schema holds (arrays as the field itself).
fn id_fields(doc: &Value, schema: &Value, prefix: &str, out: &mut Vec<String>) {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    };
    let is_uuid = |s: &Value| {
        s["format"] == "uuid"
            || s["oneOf"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["format"] == "uuid"))
    };
    let Some(props) = schema["properties"].as_object() else {
        return;
    };
    for (name, p) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        if is_uuid(p) || is_uuid(&p["items"]) {
            out.push(path);
        } else if p["items"]["$ref"].is_string() || p["items"]["properties"].is_object() {
            id_fields(doc, &p["items"], &format!("{path}[]"), out);
        } else if p["$ref"].is_string() || p["properties"].is_object() {
            id_fields(doc, p, &path, out);
        }
    }
}

/// Sets `path` in `body` (creating arrays of one object for `[]` segments).
fn set_field(body: &mut Value, path: &str, id: &str, is_list: bool) {
    let mut cur = body;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if let Some(name) = part.strip_suffix("[]") {
            if !cur[name].is_array() || cur[name].as_array().unwrap().is_empty() {
                cur[name] = json!([{}]);
            }
            cur = &mut cur[name][0];
        } else if last {
            cur[*part] = if is_list { json!([id]) } else { json!(id) };
        } else {
            cur = &mut cur[*part];
        }
    }
}

async fn references_to_another_district_are_refused_in_bodies_and_filters(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let home = side(&app, &w.dong, "홈대상").await;
    let far = side(&app, &w.far, "먼대상").await;
    let far_user = app.user("far.peer", &w.far_welfare, "caseworker").await;
    app.user("home.admin", &w.d.dong, "org_admin").await;
    let admin = app.login("home.admin", PASSWORD).await;
    app.user("home.auditor", &w.d.office, "auditor").await;
    let auditor = app.login("home.auditor", PASSWORD).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    // A valid body for each operation with ids in it, sent by who may do it at home; each id
    // field in turn is set to the other district's object.
    let plan = |op: &str| -> Option<(&str, String, Value)> {
        let h = &home;
        Some(match op {
            "create_person" => (
                "dong",
                "/api/v1/persons".into(),
                json!({ "name": "새대상", "birth_date": "1960-01-01" }),
            ),
            "update_person" => ("dong", format!("/api/v1/persons/{}", h.person), json!({})),
            "create_case" => (
                "dong",
                "/api/v1/cases".into(),
                json!({ "person_id": h.person, "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "x" }),
            ),
            "create_case_participant" => (
                "dong",
                format!("/api/v1/cases/{}/participants", h.case),
                json!({ "role": "observer" }),
            ),
            "create_case_assignment" => (
                "dong",
                format!("/api/v1/cases/{}/assignments", h.case),
                json!({ "role": "secondary" }),
            ),
            "create_case_visit" => (
                "dong",
                format!("/api/v1/cases/{}/visits", h.case),
                json!({ "scheduled_at": "2026-12-01T10:00:00Z", "purpose": "방문" }),
            ),
            "create_case_assessment" => (
                "dong",
                format!("/api/v1/cases/{}/assessments", h.case),
                json!({ "assessed_on": "2026-11-01", "risk_level": "high", "summary": "사정", "domains": { "health": { "score": 3 } } }),
            ),
            "create_case_plan" => (
                "dong",
                format!("/api/v1/cases/{}/plans", h.case),
                json!({ "starts_on": "2026-11-01", "goals": [{ "text": "목표" }],
                        "services": [{ "benefit_type_id": h.benefit_type, "provider_org_id": w.d.dong, "responsible_user_id": w.dong_user, "frequency": "주 1회", "starts_on": "2026-11-01" }] }),
            ),
            "create_case_member" => (
                "dong",
                format!("/api/v1/cases/{}/members", h.case),
                json!({}),
            ),
            "create_meeting_agenda_request" => (
                "dong",
                format!("/api/v1/meetings/{}/agenda-requests", h.meeting),
                json!({}),
            ),
            // The survivor is one of the pair (a pair of another district does not exist).
            "merge_person_duplicate" => return None,
            // Goal ids are the reviewed plan's own, not a reference into the district.
            "create_plan_review" => return None,
            "create_case_note" => (
                "dong",
                format!("/api/v1/cases/{}/notes", h.case),
                json!({ "kind": "home_visit", "occurred_at": "2026-11-01T09:00:00Z", "body": "방문", "visibility": "participants" }),
            ),
            "create_consent" => (
                "dong",
                format!("/api/v1/persons/{}/consents", h.person),
                json!({ "purpose": "x", "scope": "organizations", "expires_at": expires }),
            ),
            "create_meeting" => (
                "dong",
                "/api/v1/meetings".into(),
                json!({ "kind": "assessment", "title": "x", "scheduled_at": "2026-11-11T14:00:00Z" }),
            ),
            "create_meeting_agenda" => (
                "dong",
                format!("/api/v1/meetings/{}/agenda", h.meeting),
                json!({}),
            ),
            "create_meeting_attendance" => (
                "dong",
                format!("/api/v1/meetings/{}/attendance", h.meeting),
                json!({ "attended": true }),
            ),
            "create_meeting_decision" => (
                "dong",
                format!("/api/v1/meetings/{}/decisions", h.meeting),
                json!({ "case_id": h.case, "decision": "select_integrated",
                "action_items": [{ "assignee_user_id": w.dong_user, "description": "방문", "due_on": "2026-12-20" }] }),
            ),
            "finalize_meeting" => (
                "dong",
                format!("/api/v1/meetings/{}/finalize", h.meeting),
                json!({ "minutes": "x", "attendance": [{ "attended": true }] }),
            ),
            "create_referral" => (
                "dong",
                "/api/v1/referrals".into(),
                json!({ "case_id": h.case, "to_organization_id": w.d.welfare, "reason": "x" }),
            ),
            "check_allocation" => (
                "dong",
                "/api/v1/allocations/check".into(),
                json!({ "resource_id": h.resource, "person_id": h.person, "granted_on": "2026-11-20", "quantity": 1 }),
            ),
            "create_allocation" => (
                "dong",
                "/api/v1/allocations".into(),
                json!({ "resource_id": h.resource, "person_id": h.person, "granted_on": "2026-11-20", "quantity": 1 }),
            ),
            "create_resource" => (
                "dong",
                "/api/v1/resources".into(),
                json!({ "name": "새 자원", "benefit_type_id": h.benefit_type, "funding": "public", "unit": "포" }),
            ),
            "update_resource" => (
                "dong",
                format!("/api/v1/resources/{}", h.resource),
                json!({ "unit": "포" }),
            ),
            "create_user" => (
                "admin",
                "/api/v1/users".into(),
                json!({ "username": "new.worker", "display_name": "새 직원", "password": PASSWORD, "role": "caseworker" }),
            ),
            "update_user" => ("admin", format!("/api/v1/users/{}", w.dong_user), json!({})),
            "create_user_handover" => (
                "admin",
                format!("/api/v1/users/{}/handover", w.dong_user),
                json!({ "note": "인사발령" }),
            ),
            "update_organization" => (
                "admin",
                format!("/api/v1/organizations/{}", w.d.dong),
                json!({}),
            ),
            // System administrators structure every district; not a district user's reference.
            "create_organization" => return None,
            // A coordinator asks for a person of another district (the crossing is the point);
            // the receiving organization must be of its own district.
            "create_person_transfer" => (
                "coord",
                format!("/api/v1/persons/{}/transfers", far.person),
                json!({ "to_district_code": "11440", "reason": "전입" }),
            ),
            "create_donation" => (
                "dong",
                "/api/v1/donations".into(),
                json!({ "donor_kind": "company", "donor_name": "x", "resource_id": h.resource, "quantity": 1,
                    "received_on": "2026-11-20", "designation": "organization", "designated_organization_id": w.d.dong }),
            ),
            "create_campaign" => (
                "coord",
                "/api/v1/campaigns".into(),
                json!({ "name": "x", "starts_on": "2026-11-01", "ends_on": "2027-02-28",
                    "benefit_type_ids": [h.benefit_type], "quotas": [{ "organization_id": w.d.dong }] }),
            ),
            // Its path names a campaign of the caller's district; another district's person or
            // resource in its body is refused in tests/api/campaigns.rs.
            "create_campaign_nomination" => return None,
            other => panic!("{other} has ids in its body: add it to the walls plan"),
        })
    };
    let doc = serde_json::to_value(hamkke_http::openapi()).unwrap();
    let mut walked = 0;
    for (_path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap_or_default();
            let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema")
            else {
                continue;
            };
            let mut fields = Vec::new();
            id_fields(&doc, schema, "", &mut fields);
            if fields.is_empty() {
                continue;
            }
            let Some((who, concrete, base)) = plan(op_id) else {
                continue;
            };
            let token = match who {
                "admin" => &admin,
                "coord" => &w.coord,
                _ => &w.dong,
            };
            for field in fields {
                let leaf = field.rsplit('.').next().unwrap();
                let Some(id) = far_id(leaf, &far, &w, &far_user) else {
                    panic!("{op_id}: no far id for {field}");
                };
                let list = leaf.ends_with("_ids");
                let mut body = base.clone();
                set_field(&mut body, &field, &id, list);
                let m =
                    actix_web::http::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = app
                    .send(
                        TestApp::req(m, &concrete, Some(token))
                            .insert_header(("if-match", "\"1\""))
                            .set_json(body.clone()),
                    )
                    .await;
                let s = r.status.as_u16();
                assert!(
                    matches!(s, 400 | 403 | 404),
                    "{op_id}: another district's {field} was accepted ({s}): {} for {body}",
                    r.text
                );
                if s == 404 {
                    r.assert_problem(404, "not_found");
                    assert!(
                        r.text.contains(leaf),
                        "{op_id}: the refusal names {field}: {}",
                        r.text
                    );
                }
                walked += 1;
            }
        }
    }
    assert!(walked >= 25, "only {walked} body references walked");

    // Query filters: an id of another district is refused, not silently filtered.
    let mut filters = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] != "query" || p["schema"]["format"] != "uuid" {
                continue;
            }
            let name = p["name"].as_str().unwrap();
            let id = far_id(name, &far, &w, &far_user)
                .unwrap_or_else(|| panic!("{path}: no far id for filter {name}"));
            let token = if path.contains("audit") {
                &auditor
            } else {
                &w.dong
            };
            let also = if path == "/api/v1/attachments" {
                "&subject_type=case"
            } else {
                ""
            };
            let r = app
                .get(&format!("{path}?{name}={id}{also}"), Some(token))
                .await;
            r.assert_problem(404, "not_found");
            assert_eq!(r.field_errors()[0].0, name, "{path}: {}", r.text);
            filters += 1;
        }
    }
    assert!(filters >= 10, "only {filters} query filters walked");
    // Nothing of the far district changed.
    let far_case = app
        .get(&format!("/api/v1/cases/{}", far.case), Some(&w.far))
        .await;
    assert_eq!(far_case.body["version"], 1, "{}", far_case.text);
    assert_eq!(
        far_case.body["participants"].as_array().unwrap().len(),
        1,
        "{}",
        far_case.text
    );
    let far_household = app
        .get(
            &format!("/api/v1/households/{}", far.household),
            Some(&w.far),
        )
        .await;
    assert_eq!(far_household.body["members"].as_array().unwrap().len(), 1);
}

both!(references_to_another_district_are_refused_in_bodies_and_filters);

async fn a_person_crosses_districts_only_by_an_approved_transfer(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    const RRN: &str = "500303-2345672";
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10" }),
        )
        .await;
    let household = h.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/persons", Some(&w.dong), json!({ "name": "김민수", "birth_date": crate::support::rrn_birth(RRN), "rrn": RRN, "phone": "010-1234-5678", "address": "서울 마포구 공덕로 10", "household_id": household }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let person = r.body["id"].as_str().unwrap().to_owned();
    let spouse = app.person(&w.dong, "이영희", "1951-02-02", None).await;
    app.patch(
        &format!("/api/v1/persons/{spouse}"),
        Some(&w.dong),
        Some("\"1\""),
        json!({ "household_id": household }),
    )
    .await;
    // The attack of the report: another district finds the person by RRN, then tries to open
    // a case, record a consent naming itself, and read or change the record.
    let found = app
        .get(&format!("/api/v1/persons?q={RRN}"), Some(&w.far))
        .await;
    assert_eq!(found.body["items"], json!([]));
    assert_eq!(
        found.body["registered_elsewhere"][0]["district_code"],
        "11440"
    );
    let r = app
        .post("/api/v1/cases", Some(&w.far), json!({ "person_id": person, "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "x" }))
        .await;
    r.assert_problem(404, "not_found");
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    app.post(&format!("/api/v1/persons/{person}/consents"), Some(&w.far), json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.far_welfare], "expires_at": expires }))
        .await
        .assert_problem(404, "not_found");
    for path in [
        format!("/api/v1/persons/{person}"),
        format!("/api/v1/persons/{person}/access-log"),
        format!("/api/v1/households/{household}"),
    ] {
        app.get(&path, Some(&w.far))
            .await
            .assert_problem(404, "not_found");
    }
    app.patch(
        &format!("/api/v1/persons/{person}"),
        Some(&w.far),
        Some("\"1\""),
        json!({ "address": "서울 종로구" }),
    )
    .await
    .assert_problem(404, "not_found");
    // A consent may name only organizations of the person's district.
    app.post(&format!("/api/v1/persons/{person}/consents"), Some(&w.dong), json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.far_welfare], "expires_at": expires }))
        .await
        .assert_problem(404, "not_found");

    // The transfer: asked by the receiving district's coordinator, decided by the owner's.
    app.user("far.coord", &w.d.other_office, "coordinator")
        .await;
    let far_coord = app.login("far.coord", PASSWORD).await;
    app.post(
        &format!("/api/v1/persons/{person}/transfers"),
        Some(&w.far),
        json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "전입" }),
    )
    .await
    .assert_problem(403, "forbidden");
    // The same answer for an id that does not exist: a refusal is no oracle.
    let nobody = uuid::Uuid::now_v7();
    app.post(
        &format!("/api/v1/persons/{nobody}/transfers"),
        Some(&w.far),
        json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "전입" }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/persons/{person}/transfers"),
        Some(&far_coord),
        json!({ "to_district_code": "11440", "to_organization_id": w.d.dong, "reason": "전입" }),
    )
    .await
    .assert_problem(403, "forbidden");
    // The receiver is a public organization of the receiving district (the dong centre of the
    // new address, or the district office), never a private one.
    let r = app
        .post(
            &format!("/api/v1/persons/{person}/transfers"),
            Some(&far_coord),
            json!({ "to_district_code": "11110", "to_organization_id": w.far_welfare, "reason": "전입" }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("to_organization_id".into(), "not_allowed".into()),
        "{}",
        r.text
    );
    let t = app
        .post(
            &format!("/api/v1/persons/{person}/transfers"),
            Some(&far_coord),
            json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "종로구로 전입 신고" }),
        )
        .await;
    assert_eq!(t.body["to_organization_id"], w.d.other_office.as_str());
    assert_eq!(t.status, 201, "{}", t.text);
    assert_eq!(t.body["status"], "requested");
    let transfer = t.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/persons/{person}/transfers"),
        Some(&far_coord),
        json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "again" }),
    )
    .await
    .assert_problem(409, "transfer_pending");
    // The requester cannot approve its own request; the owning district's coordinator does.
    app.post(
        &format!("/api/v1/person-transfers/{transfer}/approve"),
        Some(&far_coord),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let listed = app
        .get("/api/v1/person-transfers?status=requested", Some(&w.coord))
        .await;
    assert_eq!(listed.body["items"][0]["id"], transfer.as_str());
    // An open case holds the person where it is.
    let case = app.case(&w.dong, &person).await;
    app.post(
        &format!("/api/v1/person-transfers/{transfer}/approve"),
        Some(&w.coord),
        json!({}),
    )
    .await
    .assert_problem(409, "transfer_open_case");
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            Some(&w.dong),
            json!({ "to": "rejected", "reason": "전입" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ok = app
        .post(
            &format!("/api/v1/person-transfers/{transfer}/approve"),
            Some(&w.coord),
            json!({ "note": "전출 확인" }),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["status"], "approved");
    // The person and the whole household now belong to 11110: the new district works with
    // them, the old one no longer sees them.
    let r = app
        .post("/api/v1/cases", Some(&w.far), json!({ "person_id": person, "case_type": "general", "risk_level": "high", "source": "referral", "summary": "전입 후 사례" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.get(&format!("/api/v1/persons/{person}"), Some(&w.dong))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/persons/{spouse}"), Some(&w.dong))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/households/{household}"), Some(&w.dong))
        .await
        .assert_problem(404, "not_found");
    let seen = app
        .get(&format!("/api/v1/persons/{spouse}"), Some(&w.far))
        .await;
    assert_eq!(seen.body["district_code"], "11110", "{}", seen.text);
    // The receiving organization registers them now: it sees them as a registering
    // organization does, the household too.
    app.user("far.office.w", &w.d.other_office, "caseworker")
        .await;
    let receiver = app.login("far.office.w", PASSWORD).await;
    for (p, name) in [(&person, "김민수"), (&spouse, "이영희")] {
        let r = app
            .get(&format!("/api/v1/persons/{p}"), Some(&receiver))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body["registered_by_org_id"],
            w.d.other_office.as_str(),
            "{}",
            r.text
        );
        assert_eq!(r.body["name"], name, "{}", r.text);
    }
    let r = app
        .get(&format!("/api/v1/households/{household}"), Some(&receiver))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Audited on both sides: the request by the receiving district, the approval by the owner.
    let events = app.audit_events("create").await;
    assert!(events.iter().any(|e| e.resource_type == "person_transfer"));
    let updates = app.audit_events("update").await;
    assert!(updates.iter().any(|e| e.resource_type == "person_transfer"));
    assert!(updates.iter().any(|e| e.resource_type == "person"
        && e.person_id.map(|p| p.0.to_string()) == Some(spouse.clone())));
    // A decided transfer stays decided.
    app.post(
        &format!("/api/v1/person-transfers/{transfer}/decline"),
        Some(&w.coord),
        json!({}),
    )
    .await
    .assert_problem(409, "transfer_decided");
    // The owning district may also decline, saying why; the person stays where they are.
    let stays = app.person(&w.dong, "박남아", "1950-05-05", None).await;
    let t = app
        .post(
            &format!("/api/v1/persons/{stays}/transfers"),
            Some(&far_coord),
            json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "전입 신고" }),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.text);
    let declined = app
        .post(
            &format!(
                "/api/v1/person-transfers/{}/decline",
                t.body["id"].as_str().unwrap()
            ),
            Some(&w.coord),
            json!({ "note": "전입 신고가 확인되지 않았습니다" }),
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    assert_eq!(declined.body["status"], "declined");
    assert_eq!(
        app.get(&format!("/api/v1/persons/{stays}"), Some(&w.dong))
            .await
            .status,
        200
    );
}

both!(a_person_crosses_districts_only_by_an_approved_transfer);

async fn a_search_never_unmasks_a_redacted_person(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let person = app.person(&w.dong, "김철수", "1950-05-05", None).await;
    app.person(&w.far, "김영호", "1960-01-01", None).await;
    let names = |r: &crate::support::Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["name"]
                    .as_str()
                    .or(p["name_masked"].as_str())
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    // The registering organization finds its own person by prefix.
    let own = app
        .get("/api/v1/persons?q=%EA%B9%80%EC%B2%A0", Some(&w.dong))
        .await;
    assert_eq!(names(&own), ["김철수"]);
    // Another organization of the district: a prefix, a first name or a birth date alone
    // find nothing; the exact full name with the birth date finds the person, redacted.
    for q in [
        "q=%EA%B9%80%EC%B2%A0",
        "q=%EA%B9%80",
        "birth_date=1950-05-05",
        "q=%EA%B9%80%EC%B2%A0%EC%88%98",
        "q=%EA%B9%80%EC%B2%A0&birth_date=1950-05-05",
    ] {
        let r = app
            .get(&format!("/api/v1/persons?{q}"), Some(&w.welfare))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(names(&r).is_empty(), "{q} found {:?}", names(&r));
    }
    let exact = app
        .get(
            "/api/v1/persons?q=%EA%B9%80%EC%B2%A0%EC%88%98&birth_date=1950-05-05",
            Some(&w.welfare),
        )
        .await;
    assert_eq!(names(&exact), ["김*수"], "{}", exact.text);
    assert_eq!(exact.body["items"][0]["redacted"], true);
    // Another district: a search is confined to its own district.
    let far = app.get("/api/v1/persons?q=%EA%B9%80", Some(&w.far)).await;
    assert_eq!(names(&far), ["김영호"]);
    let far = app
        .get(
            "/api/v1/persons?q=%EA%B9%80%EC%B2%A0%EC%88%98&birth_date=1950-05-05",
            Some(&w.far),
        )
        .await;
    assert!(names(&far).is_empty(), "{}", far.text);
    // The ledger filtered by a person is that person's benefit history: entitled callers only.
    let ok = app
        .get(
            &format!("/api/v1/allocations?person_id={person}"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    app.get(
        &format!("/api/v1/allocations?person_id={person}"),
        Some(&w.welfare),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(
        &format!("/api/v1/allocations?person_id={person}"),
        Some(&w.far),
    )
    .await
    .assert_problem(404, "not_found");
}

both!(a_search_never_unmasks_a_redacted_person);

async fn auditors_and_consents_stay_inside_their_district(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let person = app.person(&w.dong, "정보주체", "1950-01-01", None).await;
    app.user("home.auditor", &w.d.office, "auditor").await;
    app.user("far.auditor", &w.d.other_office, "auditor").await;
    let home = app.login("home.auditor", PASSWORD).await;
    let far = app.login("far.auditor", PASSWORD).await;
    let log = format!("/api/v1/persons/{person}/access-log");
    assert_eq!(app.get(&log, Some(&home)).await.status, 200);
    app.get(&log, Some(&far))
        .await
        .assert_problem(404, "not_found");
    // Taking part in a case does not let an organization record the consent that opens the
    // details to itself; the lead of the open case does.
    let case = app.case(&w.dong, &person).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/participants"),
            Some(&w.dong),
            json!({ "organization_id": w.d.welfare, "role": "observer" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    app.post(&format!("/api/v1/persons/{person}/consents"), Some(&w.welfare), json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires }))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.get(&format!("/api/v1/persons/{person}"), Some(&w.welfare))
            .await
            .body["redacted"],
        true
    );
}

both!(auditors_and_consents_stay_inside_their_district);

/// Any organization of the district can open a case on a person another registered; a consent
/// it then records naming itself is marked self-recorded, gives no access until its signed form
/// is attached, tells the registering organization and the coordinators, and can be revoked by
/// them.
async fn a_self_granted_consent_is_evidenced_reviewed_and_revocable(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let person = app.person(&w.dong, "자기동의", "1950-05-05", None).await;
    // Opening a case gives no access by itself.
    let case = app.case(&w.welfare, &person).await;
    let seen = app
        .get(&format!("/api/v1/persons/{person}"), Some(&w.welfare))
        .await;
    assert_eq!(seen.body["redacted"], true, "{}", seen.text);
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let path = format!("/api/v1/persons/{person}/consents");
    let body = json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires });
    let mut with_ref = body.clone();
    with_ref["evidence_ref"] = json!("동의서 2026-118, 복지관 사례관리팀 문서함");
    let r = app.post(&path, Some(&w.welfare), with_ref).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (
            &r.body["self_recorded"],
            &r.body["awaits_form"],
            &r.body["live"]
        ),
        (&json!(true), &json!(true), &json!(false))
    );
    let consent = r.body["id"].as_str().unwrap().to_owned();
    // Until its signed form is attached it gives nothing, neither the record nor lists.
    async fn redacted(app: &TestApp, token: &str, person: &str) -> Value {
        let r = app
            .get(&format!("/api/v1/persons/{person}"), Some(token))
            .await;
        r.body["redacted"].clone()
    }
    assert_eq!(redacted(&app, &w.welfare, &person).await, true);
    // It waits on the recording organization's worklists, the person's name masked.
    let work = app.get("/api/v1/me/worklist", Some(&w.welfare)).await;
    let waiting = &work.body["consents_awaiting_form"];
    assert_eq!(
        (
            &waiting[0]["id"],
            &work.body["counts"]["consents_awaiting_form"]
        ),
        (&json!(consent), &json!(1)),
        "{}",
        work.text
    );
    assert_eq!(waiting[0]["person_name_masked"], true);
    // Only the recording (or registering) organization adds the form; a photo is no form.
    crate::attachments::upload(&app, &w.coord, "consent", &consent, "consent_form", PDF)
        .await
        .assert_problem(403, "forbidden");
    let photo =
        crate::attachments::upload(&app, &w.welfare, "consent", &consent, "other", PDF).await;
    assert_eq!(photo.status, 201, "{}", photo.text);
    assert_eq!(redacted(&app, &w.welfare, &person).await, true);
    let form =
        crate::attachments::upload(&app, &w.welfare, "consent", &consent, "consent_form", PDF)
            .await;
    assert_eq!(form.status, 201, "{}", form.text);
    assert_eq!(redacted(&app, &w.welfare, &person).await, false);
    let work = app.get("/api/v1/me/worklist", Some(&w.welfare)).await;
    assert_eq!(work.body["consents_awaiting_form"], json!([]));
    let shown = app.get(&path, Some(&w.welfare)).await;
    let mine = shown.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == consent.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (&mine["awaits_form"], &mine["live"]),
        (&json!(false), &json!(true))
    );
    assert!(mine["form_attached_at"].is_string());
    // The registering organization and the coordinators are told, and list it for review.
    for token in [&w.dong, &w.coord] {
        let n = app.get("/api/v1/notifications", Some(token)).await;
        assert!(
            n.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["event_type"] == "consent.self_recorded"),
            "{}",
            n.text
        );
        let list = app.get("/api/v1/consents/self-recorded", Some(token)).await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(
            list.body["items"][0]["id"],
            consent.as_str(),
            "{}",
            list.text
        );
    }
    // The recording organization does not review its own, nor does anyone outside.
    let list = app
        .get("/api/v1/consents/self-recorded", Some(&w.welfare))
        .await;
    assert_eq!(list.body["items"], json!([]), "{}", list.text);
    let revoke = format!("/api/v1/consents/{consent}/revoke");
    app.post(&revoke, Some(&w.welfare), json!({ "reason": "x" }))
        .await
        .assert_problem(403, "forbidden");
    app.post(&revoke, Some(&w.far), json!({ "reason": "x" }))
        .await
        .assert_problem(404, "not_found");
    // The registering organization revokes it with a reason; access ends at once.
    let r = app
        .post(
            &revoke,
            Some(&w.dong),
            json!({ "reason": "본인 확인 결과 동의한 적 없음" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["live"], false);
    assert_eq!(r.body["revoked_reason"], "본인 확인 결과 동의한 적 없음");
    assert_eq!(
        app.get(&format!("/api/v1/persons/{person}"), Some(&w.welfare))
            .await
            .body["redacted"],
        true
    );
    app.post(&revoke, Some(&w.coord), json!({ "reason": "x" }))
        .await
        .assert_problem(409, "already_withdrawn");
    let n = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert!(
        n.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["event_type"] == "consent.revoked"),
        "{}",
        n.text
    );
    // A consent the registering organization records for another is an ordinary one.
    let r = app
        .post(&path, Some(&w.dong), json!({ "purpose": "연계", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires }))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.body["self_recorded"].clone()),
        (201, json!(false)),
        "{}",
        r.text
    );
    app.post(
        &format!("/api/v1/consents/{}/revoke", r.body["id"].as_str().unwrap()),
        Some(&w.coord),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(409, "not_self_recorded");
    let _ = case;
}

both!(a_self_granted_consent_is_evidenced_reviewed_and_revocable);
