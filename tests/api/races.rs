//! Rules that hold under concurrency (#26): for each, twenty copies of one request at once,
//! spread over two server processes on one database, ten rounds — exactly one wins every
//! round, the others are answered 409/412 (never 5xx), and nothing is done twice. SQLite
//! serialises writers and would pass with checks alone; PostgreSQL is what these are for, and
//! both run them.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

use crate::crash::{free_port, http, http_raw, start_with, Server};
use crate::meetings::walk;
use crate::support::{Backend, TestApp, World, PASSWORD};

const ROUNDS: usize = 10;
const PARALLEL: usize = 20;

/// Two server processes on the test app's database (PostgreSQL); one on SQLite, whose
/// database file a server holds for itself (one office, one process) — its parallel requests
/// then meet in that process's workers and pool.
pub(crate) struct Racers {
    pub(crate) ports: [u16; 2],
    pub(crate) servers: Vec<Server>,
    dir: PathBuf,
}

impl Drop for Racers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request of a race: method, path, bearer token, `If-Match`, body.
#[derive(Clone)]
struct Call {
    method: &'static str,
    path: String,
    token: String,
    if_match: Option<String>,
    body: Value,
    /// A CSV body instead of the JSON one.
    csv: Option<String>,
}

fn post(path: impl Into<String>, token: &str, body: Value) -> Call {
    Call {
        method: "POST",
        path: path.into(),
        token: token.to_owned(),
        if_match: None,
        body,
        csv: None,
    }
}

fn get(path: impl Into<String>, token: &str) -> Call {
    Call {
        method: "GET",
        ..post(path, token, Value::Null)
    }
}

impl Racers {
    pub(crate) fn start(app: &TestApp) -> Self {
        Self::start_with_env(app, &[])
    }

    pub(crate) fn start_with_env(app: &TestApp, env: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("hamkke-race-{}", uuid::Uuid::now_v7()));
        let (ports, servers) = if app.url().starts_with("postgres") {
            let ports = [free_port(), free_port()];
            let servers = vec![
                start_with(app.url(), ports[0], &dir, env),
                start_with(app.url(), ports[1], &dir, env),
            ];
            (ports, servers)
        } else {
            let port = free_port();
            ([port, port], vec![start_with(app.url(), port, &dir, env)])
        };
        Racers {
            ports,
            servers,
            dir,
        }
    }

    /// Sends every call at the same moment, alternately to each server; answers in call order.
    fn race(&self, calls: Vec<Call>) -> Vec<(u16, Value)> {
        let barrier = Arc::new(Barrier::new(calls.len()));
        let threads: Vec<_> = calls
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let port = self.ports[i % 2];
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let auth = format!("Bearer {}", c.token);
                    let mut headers = vec![("Authorization", auth.as_str())];
                    if let Some(v) = &c.if_match {
                        headers.push(("If-Match", v.as_str()));
                    }
                    barrier.wait();
                    match &c.csv {
                        Some(csv) => http_raw(
                            port,
                            c.method,
                            &c.path,
                            &headers,
                            Some(("text/csv", csv.as_bytes())),
                        ),
                        None => http(
                            port,
                            c.method,
                            &c.path,
                            &headers,
                            (c.method != "GET").then_some(&c.body),
                        ),
                    }
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("thread").expect("answered"))
            .collect()
    }

    /// `PARALLEL` copies of one call.
    fn same(&self, call: Call) -> Vec<(u16, Value)> {
        self.race(vec![call; PARALLEL])
    }
}

/// Exactly one answer is `win`; every other is one of `lose`.
fn one_winner(answers: &[(u16, Value)], win: u16, lose: &[u16], round: usize) -> usize {
    let winners: Vec<usize> = (0..answers.len())
        .filter(|i| answers[*i].0 == win)
        .collect();
    let others: Vec<&(u16, Value)> = answers
        .iter()
        .filter(|(s, _)| *s != win && !lose.contains(s))
        .collect();
    assert!(
        others.is_empty(),
        "round {round}: unexpected answers {others:?}"
    );
    assert_eq!(
        winners.len(),
        1,
        "round {round}: {} winners: {:?}",
        winners.len(),
        answers.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    );
    winners[0]
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn one_open_case_per_person(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        // A household of two: every request opens a case for the first, a quarter of them
        // with the household as its subject (both members) — one open case among them.
        let h = app
            .post(
                "/api/v1/households",
                Some(&w.dong),
                json!({ "address": format!("서울 마포구 경쟁로 {round}") }),
            )
            .await;
        let household = id(&h.body);
        let mut people = Vec::new();
        for name in ["경쟁일", "경쟁이"] {
            let r = app
                .post("/api/v1/persons", Some(&w.dong), json!({ "name": format!("{name}{round}"), "birth_date": "1950-01-01", "household_id": household }))
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
            people.push(id(&r.body));
        }
        let calls = (0..PARALLEL)
            .map(|i| {
                let mut body = json!({ "person_id": people[0], "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "동시 개설" });
                if i % 4 == 1 {
                    body["household_id"] = json!(household);
                }
                post("/api/v1/cases", if i % 3 == 0 { &w.welfare } else { &w.dong }, body)
            })
            .collect();
        let answers = racers.race(calls);
        one_winner(&answers, 201, &[409], round);
        for (s, b) in &answers {
            if *s == 409 {
                assert_eq!(b["code"], "open_case_exists", "{b}");
            }
        }
    }
    // Reopening a closed case while another is open is refused the same way.
    let p = app.person(&w.dong, "재개대상", "1950-01-01", None).await;
    let first = app.case(&w.dong, &p).await;
    walk(
        &app,
        &w.dong,
        &first,
        &["intake", "assessing", "in_service"],
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/cases/{first}/transitions"),
            Some(&w.dong),
            json!({ "to": "closed", "reason": "목표 달성", "closing_reason": "goal_achieved", "evaluation": "자립" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let _second = app.case(&w.dong, &p).await;
    app.post(
        &format!("/api/v1/cases/{first}/transitions"),
        Some(&w.dong),
        json!({ "to": "reopened" }),
    )
    .await
    .assert_problem(409, "open_case_exists");
}

async fn a_case_moves_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("전이{round}"), "1950-01-01", None)
            .await;
        let case = app.case(&w.dong, &p).await;
        let answers = racers.same(post(
            format!("/api/v1/cases/{case}/transitions"),
            &w.dong,
            json!({ "to": "intake" }),
        ));
        one_winner(&answers, 200, &[409], round);
        let timeline = app
            .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
            .await;
        let moves = timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "status_changed")
            .count();
        assert_eq!(moves, 1, "round {round}: {}", timeline.text);
    }
}

async fn a_meeting_is_finalized_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("회의{round}"), "1950-01-01", None)
            .await;
        let case = app.case(&w.dong, &p).await;
        walk(
            &app,
            &w.dong,
            &case,
            &["intake", "assessing", "awaiting_meeting"],
        )
        .await;
        let m = app
            .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": format!("사정회의 {round}"), "scheduled_at": "2026-11-10T05:00:00Z", "location": "주민센터", "case_ids": [case] }))
            .await;
        assert_eq!(m.status, 201, "{}", m.text);
        let m = format!("/api/v1/meetings/{}", id(&m.body));
        let d = app
            .post(
                &format!("{m}/decisions"),
                Some(&w.dong),
                json!({ "case_id": case, "decision": "select_integrated" }),
            )
            .await;
        assert_eq!(d.status, 200, "{}", d.text);
        // Finalizes, with a late decision change racing them.
        let mut calls = vec![
            post(
                format!("{m}/finalize"),
                &w.dong,
                json!({ "minutes": "회의록" })
            );
            PARALLEL - 2
        ];
        calls.push(post(
            format!("{m}/decisions"),
            &w.dong,
            json!({ "case_id": case, "decision": "defer" }),
        ));
        calls.push(post(
            format!("{m}/decisions"),
            &w.dong,
            json!({ "case_id": case, "decision": "defer" }),
        ));
        let answers = racers.race(calls);
        one_winner(&answers[..PARALLEL - 2], 200, &[409], round);
        let c = app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
            .await;
        let status = c.body["status"].as_str().unwrap().to_owned();
        assert!(
            status == "in_service" || status == "awaiting_meeting",
            "round {round}: {status}"
        );
        let timeline = app
            .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
            .await;
        let finalized = timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "meeting_decision")
            .count();
        assert_eq!(
            finalized, 1,
            "round {round}: applied once: {}",
            timeline.text
        );
    }
}

async fn a_versioned_change_applies_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let h = app
            .post(
                "/api/v1/households",
                Some(&w.dong),
                json!({ "address": format!("서울 마포구 버전로 {round}") }),
            )
            .await;
        let household = id(&h.body);
        let calls = (0..PARALLEL)
            .map(|i| Call {
                method: "PATCH",
                path: format!("/api/v1/households/{household}"),
                token: w.dong.clone(),
                if_match: Some("\"1\"".into()),
                body: json!({ "address": format!("서울 마포구 버전로 {round}-{i}") }),
                csv: None,
            })
            .collect();
        let answers = racers.race(calls);
        let won = one_winner(&answers, 200, &[412], round);
        let now = app
            .get(&format!("/api/v1/households/{household}"), Some(&w.dong))
            .await;
        assert_eq!(now.body["version"], 2, "round {round}: {}", now.text);
        assert_eq!(
            now.body["address"],
            format!("서울 마포구 버전로 {round}-{won}"),
            "the winner's change is the one kept"
        );
        let events = app
            .audit_events("update")
            .await
            .into_iter()
            .filter(|e| {
                e.resource_type == "household" && e.resource_id.as_deref() == Some(&household)
            })
            .count();
        assert_eq!(events, 1, "round {round}: one audit event for one change");
    }
}

async fn a_referral_is_answered_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("의뢰{round}"), "1950-01-01", None)
            .await;
        let case = app.case(&w.dong, &p).await;
        let r = app
            .post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원 필요", "requested_services": ["counseling"] }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let referral = id(&r.body);
        let calls = (0..PARALLEL)
            .map(|i| {
                if i.is_multiple_of(2) {
                    post(
                        format!("/api/v1/referrals/{referral}/accept"),
                        &w.welfare,
                        json!({}),
                    )
                } else {
                    post(
                        format!("/api/v1/referrals/{referral}/decline"),
                        &w.welfare,
                        json!({ "reason": "정원 초과" }),
                    )
                }
            })
            .collect();
        let answers = racers.race(calls);
        one_winner(&answers, 200, &[409], round);
    }
}

/// A planned visit completed by its planner and its co-visitor at once: one completion, one
/// home-visit note (the claim is the conditional update before the note is written).
async fn a_visit_is_completed_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    let p = app.person(&w.dong, "방문", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    for round in 0..ROUNDS {
        let v = app
            .post(&format!("/api/v1/cases/{case}/visits"), Some(&w.dong), json!({ "scheduled_at": "2026-12-20T10:00:00Z", "co_visitor_user_ids": [w.welfare_user], "purpose": "1+1 가정방문" }))
            .await;
        assert_eq!(v.status, 201, "{}", v.text);
        let visit = id(&v.body);
        let calls = (0..PARALLEL)
            .map(|i| {
                let who = if i.is_multiple_of(2) {
                    &w.dong
                } else {
                    &w.welfare
                };
                post(
                    format!("/api/v1/visits/{visit}/complete"),
                    who,
                    json!({ "note": format!("방문 {round}-{i}") }),
                )
            })
            .collect();
        one_winner(&racers.race(calls), 200, &[409], round);
    }
    let notes = app
        .get(
            &format!("/api/v1/cases/{case}/notes?limit=100"),
            Some(&w.dong),
        )
        .await;
    let visits = notes.body["items"]
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| n["kind"] == "home_visit")
        .count();
    assert_eq!(visits, ROUNDS, "{}", notes.text);
}

/// One number registered by many workers at once, each under another name (so no identity
/// lock orders them): the RRN's unique index lets one through, and every other answers
/// `person_already_registered` naming that person — read after the failed insert's savepoint,
/// in the same unit of work.
async fn a_number_is_registered_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let rrn = format!("9001{:02}-10000{:02}", round + 1, round);
        let calls = (0..PARALLEL)
            .map(|i| {
                let who = if i.is_multiple_of(2) {
                    &w.dong
                } else {
                    &w.welfare
                };
                let body = json!({ "name": format!("동시{round}-{i}"), "birth_date": format!("1990-01-{:02}", round + 1), "rrn": rrn });
                post("/api/v1/persons", who, body)
            })
            .collect();
        let answers = racers.race(calls);
        let winner = one_winner(&answers, 201, &[409], round);
        let person = id(&answers[winner].1);
        for (status, body) in &answers {
            if *status == 409 {
                assert_eq!(body["code"], "person_already_registered", "{body}");
                assert_eq!(body["person_id"], person.as_str(), "{body}");
            }
        }
    }
}

async fn an_override_is_decided_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let oil = app
        .resource(
            &w.dong,
            json!({ "name": "난방유", "category": "heating", "funding": "public", "unit": "드럼",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } }),
        )
        .await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(
                &w.dong,
                &format!("예외{round}"),
                &format!("{}-01-01", 1930 + round),
                None,
            )
            .await;
        let first = app
            .post(
                "/api/v1/allocations",
                Some(&w.dong),
                json!({ "resource_id": oil, "person_id": p, "granted_on": "2026-12-01" }),
            )
            .await;
        assert_eq!(first.status, 201, "{}", first.text);
        let r = app
            .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": oil, "person_id": p, "granted_on": "2026-12-02", "override": { "reason": "한파 긴급" } }))
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        let allocation = id(&r.body);
        let calls = (0..PARALLEL)
            .map(|i| {
                if i.is_multiple_of(2) {
                    post(
                        format!("/api/v1/allocations/{allocation}/approve"),
                        &w.coord,
                        json!({}),
                    )
                } else {
                    post(
                        format!("/api/v1/allocations/{allocation}/reject"),
                        &w.coord,
                        json!({ "reason": "중복" }),
                    )
                }
            })
            .collect();
        let answers = racers.race(calls);
        one_winner(&answers, 200, &[409], round);
    }
}

async fn a_consent_is_withdrawn_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("동의{round}"), "1950-01-01", None)
            .await;
        let c = app
            .post(&format!("/api/v1/persons/{p}/consents"), Some(&w.dong), json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": "2027-12-31T00:00:00Z", "evidence_ref": "동의서 원본, 주민센터 문서함" }))
            .await;
        assert_eq!(c.status, 201, "{}", c.text);
        let answers = racers.same(post(
            format!("/api/v1/consents/{}/withdraw", id(&c.body)),
            &w.dong,
            json!({}),
        ));
        one_winner(&answers, 200, &[409], round);
    }
}

async fn adding_the_same_participant_twice_is_a_conflict(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("참여{round}"), "1950-01-01", None)
            .await;
        let case = app.case(&w.dong, &p).await;
        let answers = racers.same(post(
            format!("/api/v1/cases/{case}/participants"),
            &w.dong,
            json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
        ));
        one_winner(&answers, 201, &[409], round);
    }
}

/// Registers one person's records, each by `(organization's token, phone)`: the same name and
/// birth date, so that every two of them are queued as a duplicate pair.
async fn records_of_one_person(
    app: &TestApp,
    name: &str,
    birth: &str,
    by: &[(&String, &str)],
) -> Vec<String> {
    let mut people = Vec::new();
    for (token, phone) in by {
        let r = app
            .post(
                "/api/v1/persons",
                Some(token),
                json!({ "name": name, "birth_date": birth, "phone": phone }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        people.push(id(&r.body));
    }
    people
}

/// The open duplicate pairs between `people`, as `(pair, person a, person b)`.
async fn open_pairs_among(
    app: &TestApp,
    coordinator: &str,
    people: &[String],
) -> Vec<(String, String, String)> {
    let q = app
        .get(
            "/api/v1/person-duplicates?status=open&limit=200",
            Some(coordinator),
        )
        .await;
    assert_eq!(q.status, 200, "{}", q.text);
    let person = |p: &Value, side: &str| p[side]["person_id"].as_str().unwrap_or("").to_owned();
    q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            people.contains(&person(p, "person_a")) && people.contains(&person(p, "person_b"))
        })
        .map(|p| (id(p), person(p, "person_a"), person(p, "person_b")))
        .collect()
}

async fn merges_leave_one_survivor(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        // Three records of one woman, each pair queued: merges in a circle and with opposite
        // survivors, all at once, must leave exactly one living record.
        let birth = format!("19{:02}-03-0{}", 30 + round, 1 + round % 8);
        let people = records_of_one_person(
            &app,
            "한순자",
            &birth,
            &[
                (&w.dong, "010-1111-0001"),
                (&w.welfare, "010-1111-0002"),
                (&w.dong, "010-1111-0003"),
            ],
        )
        .await;
        let pairs = open_pairs_among(&app, &w.coord, &people).await;
        assert_eq!(pairs.len(), 3, "round {round}: {pairs:?}");
        let calls = (0..PARALLEL)
            .map(|i| {
                let (pair, a, b) = &pairs[i % 3];
                let survivor = if (i / 3) % 2 == 0 { a } else { b };
                post(
                    format!("/api/v1/person-duplicates/{pair}/merge"),
                    &w.coord,
                    json!({ "survivor_id": survivor }),
                )
            })
            .collect();
        let answers = racers.race(calls);
        let merged = answers.iter().filter(|(s, _)| *s == 200).count();
        // Every loser is told why (already decided or merged), never "try again": a merge
        // that would wait in a cycle is run again by the server, in order.
        assert!(
            answers
                .iter()
                .all(|(s, b)| *s == 200 || (*s == 409 && b["code"] != "concurrent_change")),
            "round {round}: {:?}",
            answers
                .iter()
                .map(|(s, b)| (*s, b["code"].clone()))
                .collect::<Vec<_>>()
        );
        let mut living = 0;
        for p in &people {
            let r = app
                .get(&format!("/api/v1/persons/{p}"), Some(&w.coord))
                .await;
            if r.status == 200 {
                living += 1;
            }
        }
        assert_eq!(
            living,
            1,
            "round {round}: {merged} merges left {living} living: {:?}",
            answers
                .iter()
                .map(|(s, b)| (*s, b["code"].clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(merged, 2, "round {round}");
    }
}

async fn a_reopening_and_a_merge_of_its_person_both_apply(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        // Two records of one man, the dong centre's with a closed case: the case reopened and
        // the records merged at once. Both take the persons' locks before the case's row (a
        // merge moves the case to the survivor), so neither waits on the other in a cycle.
        let birth = format!("19{:02}-05-0{}", 40 + round, 1 + round % 8);
        let people = records_of_one_person(
            &app,
            "박재개",
            &birth,
            &[(&w.dong, "010-2222-0001"), (&w.welfare, "010-2222-0002")],
        )
        .await;
        let case = app.case(&w.dong, &people[0]).await;
        walk(&app, &w.dong, &case, &["intake", "assessing", "in_service"]).await;
        let closed = app
            .post(
                &format!("/api/v1/cases/{case}/transitions"),
                Some(&w.dong),
                json!({ "to": "closed", "reason": "목표 달성", "closing_reason": "goal_achieved", "evaluation": "자립" }),
            )
            .await;
        assert_eq!(closed.status, 200, "{}", closed.text);
        let pairs = open_pairs_among(&app, &w.coord, &people).await;
        assert_eq!(pairs.len(), 1, "round {round}: {pairs:?}");
        let pair = &pairs[0].0;
        let survivor = &people[1];
        let calls = (0..PARALLEL)
            .map(|i| {
                if i % 2 == 0 {
                    post(
                        format!("/api/v1/cases/{case}/transitions"),
                        &w.dong,
                        json!({ "to": "reopened" }),
                    )
                } else {
                    post(
                        format!("/api/v1/person-duplicates/{pair}/merge"),
                        &w.coord,
                        json!({ "survivor_id": survivor }),
                    )
                }
            })
            .collect();
        let answers = racers.race(calls);
        let codes: Vec<_> = answers
            .iter()
            .map(|(s, b)| (*s, b["code"].clone()))
            .collect();
        // Every loser is told why; none is "try again" (a deadlock's answer).
        assert!(
            answers
                .iter()
                .all(|(s, b)| *s == 200 || (*s == 409 && b["code"] != "concurrent_change")),
            "round {round}: {codes:?}"
        );
        let won = |parity: usize| {
            answers
                .iter()
                .enumerate()
                .filter(|(i, (s, _))| i % 2 == parity && *s == 200)
                .count()
        };
        assert_eq!(won(1), 1, "round {round}: one merge: {codes:?}");
        assert!(
            won(0) <= 1,
            "round {round}: one reopening at most: {codes:?}"
        );
        // The case went with its person to the survivor; a reopening that lost to the merge
        // (it found its record merged) succeeds when asked again.
        let c = app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
            .await;
        assert_eq!(c.status, 200, "{}", c.text);
        assert_eq!(c.body["person_id"], survivor.as_str(), "round {round}");
        if won(0) == 0 {
            let again = app
                .post(
                    &format!("/api/v1/cases/{case}/transitions"),
                    Some(&w.dong),
                    json!({ "to": "reopened" }),
                )
                .await;
            assert_eq!(again.status, 200, "round {round}: {}", again.text);
        } else {
            assert_eq!(c.body["status"], "reopened", "round {round}");
        }
    }
}

async fn a_transfer_and_a_case_opening_never_both_win(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    app.user("far.coord", &w.d.other_office, "coordinator")
        .await;
    let far_coord = app.login("far.coord", PASSWORD).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("전입{round}"), "1950-01-01", None)
            .await;
        let t = app
            .post(
                &format!("/api/v1/persons/{p}/transfers"),
                Some(&far_coord),
                json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "전입 신고" }),
            )
            .await;
        assert_eq!(t.status, 201, "{}", t.text);
        let transfer = id(&t.body);
        let calls = (0..PARALLEL)
            .map(|i| {
                if i.is_multiple_of(2) {
                    post(format!("/api/v1/person-transfers/{transfer}/approve"), &w.coord, json!({}))
                } else {
                    post("/api/v1/cases", &w.dong, json!({ "person_id": p, "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "전입 직전 개설" }))
                }
            })
            .collect();
        let answers = racers.race(calls);
        let approved = (0..PARALLEL)
            .filter(|i| i % 2 == 0 && answers[*i].0 == 200)
            .count();
        let opened = (0..PARALLEL)
            .filter(|i| i % 2 == 1 && answers[*i].0 == 201)
            .count();
        assert!(
            answers
                .iter()
                .all(|(s, _)| [200, 201, 404, 409].contains(s)),
            "round {round}: {:?}",
            answers
                .iter()
                .map(|(s, b)| (*s, b["code"].clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            approved + opened,
            1,
            "round {round}: approved {approved}, opened {opened}"
        );
        for (s, b) in answers.iter().filter(|(s, _)| *s >= 400) {
            assert!(
                !b.to_string().contains(&w.far_welfare)
                    && !b.to_string().contains(&w.d.other_office),
                "round {round}: a refusal named another district's organization: {s} {b}"
            );
        }
    }
}

/// Imports of one list with `register_missing`, at the same moment: each new person is
/// registered once and each row recorded once.
async fn concurrent_imports_register_each_person_once(b: Backend) {
    use diesel::prelude::*;
    use hamkke_persistence::schema::{allocations, persons};
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    // Every import may run at once here (the default lets two per server).
    let racers = Racers::start_with_env(&app, &[("HAMKKE_IMPORT_CONCURRENCY", "20")]);
    app.resource(
        &w.dong,
        json!({ "name": "경쟁 밑반찬", "category": "food", "funding": "private_donation", "unit": "회",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 1 }, "max_count": 5, "action": "warn" } }),
    )
    .await;
    for round in 0..ROUNDS {
        let name = format!("신규경쟁{round}");
        let csv = format!(
            "name,birth_date,resource,granted_on\n{name},1945-05-05,경쟁 밑반찬,2026-11-2{}\n",
            round % 10
        );
        let call = Call {
            csv: Some(csv),
            ..post(
                "/api/v1/allocations/import?register_missing=true",
                &w.dong,
                Value::Null,
            )
        };
        let answers = racers.same(call);
        let bad: Vec<_> = answers
            .iter()
            .filter(|(s, _)| *s != 200 && *s != 429)
            .collect();
        assert!(bad.is_empty(), "round {round}: {bad:?}");
        assert!(
            answers.iter().all(|(_, b)| b["errors"] == json!([])),
            "round {round}: {answers:?}"
        );
        let registered: i64 = answers
            .iter()
            .map(|(_, b)| b["registered"].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(registered, 1, "round {round}: {answers:?}");
        let (people, rows) = app
            .db
            .run(move |c| {
                let ids: Vec<hamkke_persistence::types::DbUuid> = persons::table
                    .filter(persons::name.eq(&name))
                    .select(persons::id)
                    .load(c)?;
                let rows: i64 = allocations::table
                    .filter(allocations::person_id.eq_any(ids.clone()))
                    .count()
                    .get_result(c)?;
                Ok((ids.len(), rows))
            })
            .await
            .unwrap();
        assert_eq!((people, rows), (1, 1), "round {round}");
    }
}

/// Assigning workers at once: a worker is assigned once, and an organization has one primary
/// worker on a case, however many are named primary at the same moment.
async fn a_worker_is_assigned_once_and_one_primary_stays(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let mut workers = Vec::new();
    for i in 0..4 {
        workers.push(
            app.user(&format!("dong.worker{i}"), &w.d.dong, "caseworker")
                .await,
        );
    }
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("배정{round}"), "1950-01-01", None)
            .await;
        let case = app.case(&w.dong, &p).await;
        let path = format!("/api/v1/cases/{case}/assignments");
        let answers = racers.same(post(
            &path,
            &w.dong,
            json!({ "user_id": workers[0], "role": "secondary" }),
        ));
        one_winner(&answers, 201, &[409], round);
        // Each of four workers named primary, five times over, at once.
        let calls = (0..PARALLEL)
            .map(|i| {
                post(
                    &path,
                    &w.dong,
                    json!({ "user_id": workers[i % 4], "role": "primary" }),
                )
            })
            .collect();
        let answers = racers.race(calls);
        let bad: Vec<_> = answers
            .iter()
            .filter(|(s, _)| *s != 201 && *s != 409)
            .collect();
        assert!(bad.is_empty(), "round {round}: {bad:?}");
        let list = app.get(&path, Some(&w.dong)).await;
        let items = list.body["items"].as_array().unwrap();
        let primaries = items.iter().filter(|a| a["role"] == "primary").count();
        assert_eq!(primaries, 1, "round {round}: {}", list.text);
        let mut users: Vec<&str> = items
            .iter()
            .map(|a| a["user_id"].as_str().unwrap())
            .collect();
        let n = users.len();
        users.sort();
        users.dedup();
        assert_eq!((users.len(), n), (5, 5), "round {round}: {}", list.text);
    }
}

/// Two records of one person (a strong, unreviewed duplicate pair) given the same `block`
/// benefit at once, half the requests naming each record: exactly one gift is recorded (#28).
async fn two_records_of_one_person_get_a_blocked_benefit_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let oil = app
        .resource(
            &w.dong,
            json!({ "name": "난방유", "category": "heating", "funding": "public", "unit": "드럼",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } }),
        )
        .await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let birth = format!("{}-05-05", 1930 + round);
        let a = app.person(&w.dong, "한쌍둥", &birth, None).await;
        let b_ = app.person(&w.dong, "한쌍둥", &birth, None).await;
        let calls = (0..PARALLEL)
            .map(|i| {
                let (person, token) = if i.is_multiple_of(2) {
                    (&a, &w.dong)
                } else {
                    (&b_, &w.welfare)
                };
                post(
                    "/api/v1/allocations".to_owned(),
                    token,
                    json!({ "resource_id": oil, "person_id": person, "granted_on": "2026-12-01" }),
                )
            })
            .collect();
        let answers = racers.race(calls);
        one_winner(&answers, 201, &[409], round);
    }
}

/// Two `lead` referrals of one case accepted at once by their two receivers, each accept sent
/// ten times over two servers: exactly one accept wins and leads the case; every other answer
/// is a 409 (answered already, or outdated), never a second lead (#28).
async fn a_case_gets_one_new_lead_from_racing_referrals(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    for round in 0..ROUNDS {
        let p = app
            .person(&w.dong, &format!("이관{round}"), "1950-01-01", None)
            .await;
        let case = app.case(&w.dong, &p).await;
        let mut sent = Vec::new();
        for to in [&w.d.welfare, &w.d.office] {
            let r = app
                .post(
                    "/api/v1/referrals",
                    Some(&w.dong),
                    json!({ "case_id": case, "to_organization_id": to, "kind": "lead", "reason": "이관" }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
            sent.push(id(&r.body));
        }
        let calls = (0..PARALLEL)
            .map(|i| {
                let (referral, token) = if i.is_multiple_of(2) {
                    (&sent[0], &w.welfare)
                } else {
                    (&sent[1], &w.coord)
                };
                post(
                    format!("/api/v1/referrals/{referral}/accept"),
                    token,
                    json!({}),
                )
            })
            .collect();
        let answers = racers.race(calls);
        let winner = one_winner(&answers, 200, &[409], round);
        let lead = if winner.is_multiple_of(2) {
            &w.d.welfare
        } else {
            &w.d.office
        };
        let r = app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.coord))
            .await;
        assert_eq!(
            r.body["lead_org_id"],
            lead.as_str(),
            "round {round}: {}",
            r.text
        );
    }
}

/// A campaign's quota (#31): two dong officials nominating different people for the last
/// places at once leave exactly the quota nominated; the same person nominated at once is
/// nominated once.
async fn a_campaign_quota_is_never_exceeded(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    app.user("dong.w2", &w.d.dong, "caseworker").await;
    let second = app.login("dong.w2", PASSWORD).await;
    let (oil, oil_type) = crate::campaigns::heating(&app, &w.dong).await;
    let racers = Racers::start(&app);
    const SLOTS: usize = 5;
    for round in 0..4 {
        let c = app
            .post(
                "/api/v1/campaigns",
                Some(&w.coord),
                json!({ "name": format!("희망온돌 {round}"), "starts_on": "2026-11-01", "ends_on": "2099-03-31",
                    "benefit_type_ids": [oil_type],
                    "quotas": [{ "organization_id": w.d.dong, "persons": SLOTS }] }),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.text);
        let campaign = id(&c.body);
        let path = format!("/api/v1/campaigns/{campaign}/nominations");
        let mut people = Vec::new();
        for i in 0..PARALLEL {
            people.push(
                app.person(
                    &w.dong,
                    &format!("추천{round}{i}"),
                    &format!("{}-02-{:02}", 1930 + round, i + 1),
                    None,
                )
                .await,
            );
        }
        let calls = people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let token = if i % 2 == 0 { &w.dong } else { &second };
                post(&path, token, json!({ "person_id": p, "resource_id": oil }))
            })
            .collect();
        let answers = racers.race(calls);
        let won = answers.iter().filter(|(s, _)| *s == 201).count();
        assert!(
            answers
                .iter()
                .all(|(s, b)| *s == 201 || (*s == 409 && b["code"] == "quota_exhausted")),
            "round {round}: {:?}",
            answers
                .iter()
                .map(|(s, b)| (*s, b["code"].clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(won, SLOTS, "round {round}");
        let progress = app
            .get(&format!("/api/v1/campaigns/{campaign}"), Some(&w.coord))
            .await;
        assert_eq!(progress.body["quotas"][0]["nominated_persons"], SLOTS);
        assert_eq!(progress.body["quotas"][0]["persons_left"], 0);
        // One person nominated by both officials at once: once.
        let c = app
            .post(
                "/api/v1/campaigns",
                Some(&w.coord),
                json!({ "name": format!("김장나눔 {round}"), "starts_on": "2026-11-01", "ends_on": "2099-03-31",
                    "benefit_type_ids": [oil_type],
                    "quotas": [{ "organization_id": w.d.dong, "persons": 100 }] }),
            )
            .await;
        let path = format!("/api/v1/campaigns/{}/nominations", id(&c.body));
        let calls = (0..PARALLEL)
            .map(|i| {
                let token = if i % 2 == 0 { &w.dong } else { &second };
                post(
                    &path,
                    token,
                    json!({ "person_id": people[SLOTS], "resource_id": oil }),
                )
            })
            .collect();
        let answers = racers.race(calls);
        one_winner(&answers, 201, &[409], round);
    }
}

/// Stock (#31): twenty allocations of one unit each, at once over two servers, against five
/// units left: exactly five are recorded, none goes below zero.
async fn stock_never_goes_below_zero(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let box_ = crate::donations::kimchi(&app, &w.dong).await;
    let racers = Racers::start(&app);
    const UNITS: usize = 5;
    for round in 0..4 {
        let d = app
            .post(
                "/api/v1/donations",
                Some(&w.dong),
                json!({ "donor_kind": "company", "donor_name": "마포상회", "resource_id": box_,
                    "quantity": UNITS, "received_on": "2026-11-20" }),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.text);
        let mut calls = Vec::new();
        for i in 0..PARALLEL {
            let p = app
                .person(
                    &w.dong,
                    &format!("재고{round}{i}"),
                    &format!("{}-03-{:02}", 1930 + round, i + 1),
                    None,
                )
                .await;
            calls.push(post(
                "/api/v1/allocations",
                &w.dong,
                json!({ "resource_id": box_, "person_id": p, "granted_on": "2026-12-01", "quantity": 1 }),
            ));
        }
        let answers = racers.race(calls);
        let won = answers.iter().filter(|(s, _)| *s == 201).count();
        assert!(
            answers
                .iter()
                .all(|(s, b)| *s == 201 || (*s == 409 && b["code"] == "out_of_stock")),
            "round {round}: {:?}",
            answers
                .iter()
                .map(|(s, b)| (*s, b["code"].clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(won, UNITS, "round {round}");
        let stock = app
            .get(&format!("/api/v1/resources/{box_}/stock"), Some(&w.dong))
            .await;
        assert_eq!(
            stock.body["quantity_left"], 0,
            "round {round}: {}",
            stock.text
        );
    }
}

/// Receipts (#31): twenty receipts issued at once over two servers take the numbers 1..20 of
/// the year, each once, no gap; twenty issues of one donation's receipt give one number.
async fn receipt_numbers_have_no_gaps(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = Racers::start(&app);
    let mut calls = Vec::new();
    for i in 0..PARALLEL {
        let d = app
            .post(
                "/api/v1/donations",
                Some(&w.dong),
                json!({ "donor_kind": "person", "donor_name": format!("기부자{i}"), "amount": 10000, "received_on": "2026-11-20" }),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.text);
        calls.push(post(
            format!("/api/v1/donations/{}/receipt", id(&d.body)),
            &w.dong,
            json!({}),
        ));
    }
    let answers = racers.race(calls);
    let mut serials: Vec<i64> = answers
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 201, "{b}");
            b["serial"].as_i64().unwrap()
        })
        .collect();
    serials.sort();
    assert_eq!(serials, (1..=PARALLEL as i64).collect::<Vec<_>>());
    // One donation's receipt asked for at once: one number; the others are reissues or 409.
    let d = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            json!({ "donor_kind": "company", "donor_name": "마포상회", "amount": 50000, "received_on": "2026-11-21" }),
        )
        .await;
    let answers = racers.same(post(
        format!("/api/v1/donations/{}/receipt", id(&d.body)),
        &w.dong,
        json!({}),
    ));
    let issued = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(issued, 1, "{answers:?}");
    assert!(answers.iter().all(|(s, b)| *s == 201
        || (*s == 200 && b["serial"] == PARALLEL as i64 + 1)
        || (*s == 409 && b["code"] == "receipt_issued")));
}

/// The day tallies stay the ledger's while twenty allocations at a time land over two servers
/// that both count marked days every 100 ms (#32): the marks clear by themselves, and the
/// figures read from the tallies are those read from the ledger — no day counted short or twice.
async fn the_day_tallies_stay_the_ledgers_under_concurrent_writes(b: Backend) {
    use hamkke_persistence::repo::tallies;
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let food = app
        .resource(
            &w.dong,
            json!({ "name": "푸드뱅크 꾸러미", "category": "food", "funding": "private_donation", "unit": "상자",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 1 }, "max_count": 1, "action": "warn" } }),
        )
        .await;
    let mut persons = Vec::new();
    for i in 0..PARALLEL {
        persons.push(
            app.person(&w.dong, "동시배분", &format!("19{}-01-01", 40 + i), None)
                .await,
        );
    }
    let racers = Racers::start_with_env(&app, &[("HAMKKE_TALLY_INTERVAL_MS", "100")]);
    for round in 0..ROUNDS {
        let day = format!("2026-11-{:02}", 1 + round % 3);
        let calls = persons
            .iter()
            .map(|p| {
                post(
                    "/api/v1/allocations",
                    &w.dong,
                    json!({ "resource_id": food, "person_id": p, "granted_on": day, "quantity": 1 }),
                )
            })
            .collect();
        for (status, body) in racers.race(calls) {
            assert_eq!(status, 201, "round {round}: {body}");
        }
    }
    let mut left = -1;
    for _ in 0..200 {
        left = app.db.run(tallies::pending).await.unwrap();
        if left == 0 {
            break;
        }
        crate::support::sleep(50).await;
    }
    assert_eq!(left, 0, "the servers' counting clears every mark");
    let counted = crate::dashboard::figures(&app, &w.coord).await;
    let given = (ROUNDS * PARALLEL) as i64;
    assert_eq!(
        counted.1["allocations_by_category"][0]["count"], given,
        "{}",
        counted.1
    );
    drop(racers);
    app.db.run(tallies::mark_all).await.unwrap();
    assert_eq!(
        crate::dashboard::figures(&app, &w.coord).await,
        counted,
        "tallies = ledger"
    );
}

/// Reads on two servers append their audit events after the chain head each server last left,
/// while the other server's reads, both servers' sealers (every 10 ms) and the notes' events
/// move it: each read answers, its event is in the chain once, and the chain verifies — an
/// append that finds the head moved writes nothing and takes the head's lock instead.
async fn reads_on_two_servers_keep_one_audit_chain(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "체인경합", "1950-05-05", None).await;
    let case = app.case(&w.dong, &p).await;
    let racers = Racers::start_with_env(&app, &[("HAMKKE_SEAL_INTERVAL_MS", "10")]);
    let path = format!("/api/v1/cases/{case}");
    let mut reads = 0i64;
    for round in 0..ROUNDS {
        let calls: Vec<Call> = (0..PARALLEL)
            .map(|i| {
                if i % 5 == 4 {
                    post(
                        format!("{path}/notes"),
                        &w.dong,
                        json!({ "kind": "phone", "occurred_at": "2026-11-20T10:00:00Z",
                            "body": format!("통화 {round}-{i}"), "visibility": "participants" }),
                    )
                } else {
                    reads += 1;
                    get(path.clone(), &w.dong)
                }
            })
            .collect();
        for (status, body) in racers.race(calls) {
            assert!(
                matches!(status, 200 | 201),
                "round {round}: {status} {body}"
            );
        }
    }
    drop(racers);
    let report = app.audit_report().await;
    assert_eq!(
        (report.first_broken_seq, report.unsealed),
        (None, 0),
        "{report:?}"
    );
    let case_id = case.clone();
    let mut views: Vec<String> = app
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use hamkke_persistence::schema::audit_events::dsl as a;
            Ok(a::audit_events
                .filter(a::action.eq("view"))
                .filter(a::resource_type.eq("case"))
                .filter(a::resource_id.eq(case_id))
                .select(a::request_id)
                .load::<Option<String>>(c)?
                .into_iter()
                .flatten()
                .collect())
        })
        .await
        .unwrap();
    let written = views.len() as i64;
    views.sort();
    views.dedup();
    let (views, distinct) = (written, views.len() as i64);
    assert_eq!(views, reads, "every read's event, once");
    assert_eq!(distinct, reads, "no event written twice");
}

both!(
    reads_on_two_servers_keep_one_audit_chain,
    the_day_tallies_stay_the_ledgers_under_concurrent_writes,
    receipt_numbers_have_no_gaps,
    stock_never_goes_below_zero,
    a_campaign_quota_is_never_exceeded,
    two_records_of_one_person_get_a_blocked_benefit_once,
    a_case_gets_one_new_lead_from_racing_referrals,
    a_worker_is_assigned_once_and_one_primary_stays,
    concurrent_imports_register_each_person_once,
    one_open_case_per_person,
    a_case_moves_once,
    a_meeting_is_finalized_once,
    a_versioned_change_applies_once,
    a_referral_is_answered_once,
    a_visit_is_completed_once,
    a_number_is_registered_once,
    an_override_is_decided_once,
    a_consent_is_withdrawn_once,
    adding_the_same_participant_twice_is_a_conflict,
    merges_leave_one_survivor,
    a_reopening_and_a_merge_of_its_person_both_apply,
    a_transfer_and_a_case_opening_never_both_win,
);
