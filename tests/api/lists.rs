//! The lists districts really keep (엑셀 명단), imported without hand-editing: a title and blank
//! rows above the header, a total row, masked RRNs, dates as people type them, provider names
//! with spaces or a parenthesized suffix; row numbers are the sheet's.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World};

/// The list as a dong centre keeps it, saved from Korean Excel (CP949).
const LIST: &str = "2026년 12월 김장나눔 지원 명단 (공덕동)\n\
    ,,,,,,,\n\
    연번,성명,생년월일,주민등록번호,급여유형,수량,지급일,제공기관,비고\n\
    1,김순자,1948.3.3,,김장김치,1,2026년 11월 20일,마포 복지관(본관),생년월일 점 표기\n\
    2,최민호,,550505-1******,김장김치,1,26.11.20,마포복지관,주민번호 가림\n\
    3,박영희,48.07.07,,김장김치,1,46346,,엑셀 날짜 일련번호\n\
    ,합계,,,,3,,,\n";

async fn import(app: &TestApp, token: &str, body: Vec<u8>, dry_run: bool) -> Value {
    let r = app
        .send(
            TestApp::req(
                Method::POST,
                &format!("/api/v1/allocations/import?dry_run={dry_run}"),
                Some(token),
            )
            .insert_header(("content-type", "text/csv"))
            .set_payload(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn a_real_list_imports_without_editing(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let kimchi = app
        .post(
            "/api/v1/benefit-types",
            Some(&w.coord),
            json!({ "code": "kimjang_kimchi", "name_ko": "김장김치", "name_en": "Kimjang kimchi", "category": "food",
                    "duplicate_policy": { "subject": "person", "window": { "kind": "days", "days": 300 }, "max_count": 1, "action": "block" } }),
        )
        .await;
    assert_eq!(kimchi.status, 201, "{}", kimchi.text);
    let r = app
        .post(
            "/api/v1/resources",
            Some(&w.welfare),
            json!({ "name": "복지관 김장나눔", "benefit_type_id": kimchi.body["id"], "funding": "private_donation", "unit": "박스" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.person(&w.dong, "김순자", "1948-03-03", None).await;
    app.person(&w.dong, "최민호", "1955-05-05", Some("550505-1234563"))
        .await;
    app.person(&w.dong, "박영희", "1948-07-07", None).await;
    let (cp949, _, unmappable) = encoding_rs::EUC_KR.encode(LIST);
    assert!(!unmappable);

    // The dry run and the real run answer the same.
    for dry_run in [true, false] {
        let report = import(&app, &w.welfare, cp949.to_vec(), dry_run).await;
        assert_eq!(report["encoding"], "cp949");
        assert_eq!(report["errors"], json!([]), "{report}");
        assert_eq!(report["imported"], 3, "{report}");
        // The total row (sheet row 7) is skipped and said so, not an error.
        assert_eq!(report["total_rows"], json!([7]), "{report}");
    }
    // Imported again: nothing twice; the rows keep the sheet's numbers.
    let again = import(&app, &w.welfare, cp949.to_vec(), false).await;
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["skipped"], 4, "{again}");

    // The same list as the workbook itself: the same rows, the same numbers (all recorded
    // already, so a dry run finds each by its key).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in LIST.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let r = app
        .send(
            TestApp::req(
                Method::POST,
                "/api/v1/allocations/import?dry_run=true",
                Some(&w.welfare),
            )
            .insert_header((
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ))
            .set_payload(xlsx),
        )
        .await;
    assert_eq!(r.body["encoding"], "xlsx", "{}", r.text);
    assert_eq!(r.body["errors"], json!([]), "{}", r.text);
    assert_eq!(r.body["total_rows"], json!([7]), "{}", r.text);
    assert_eq!(r.body["skipped"], 4, "{}", r.text);

    // A row refused names the sheet's row number (the title and blank row count).
    let broken = LIST.replace("26.11.20", "26.13.45");
    let (cp949, _, _) = encoding_rs::EUC_KR.encode(&broken);
    let report = import(&app, &w.welfare, cp949.to_vec(), true).await;
    assert_eq!(report["errors"][0]["row"], 5, "{report}");
    assert_eq!(report["errors"][0]["field"], "granted_on", "{report}");
    // The whole dry-run report as a worker reads it, Korean by default.
    insta::assert_json_snapshot!("import_report_ko", crate::support::stable(&report));
    // Its message is Korean by default, English on request.
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("날짜여야 합니다"),
        "{report}"
    );
    let r = app
        .send(
            TestApp::req(
                Method::POST,
                "/api/v1/allocations/import?dry_run=true",
                Some(&w.welfare),
            )
            .insert_header(("content-type", "text/csv"))
            .insert_header(("accept-language", "en"))
            .set_payload(cp949.to_vec()),
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["message"], "must be a date (YYYY-MM-DD)",
        "{}",
        r.text
    );
}

both!(a_real_list_imports_without_editing);
