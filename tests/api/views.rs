//! The JSON of the main views, as snapshots (`tests/api/snapshots/`, reviewed in diffs; ids,
//! times and case numbers redacted by `support::stable`). Both backends answer the same
//! snapshot. A change to a view shows up here; `INSTA_UPDATE=always` (or `cargo insta
//! review`) accepts it.

use crate::support::{stable, Backend, Shared, TestApp};

async fn the_main_views_read_the_same_everywhere(b: Backend) {
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let w = &s.w;
    let snap = |name: &str, r: &crate::support::Resp| {
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        insta::assert_json_snapshot!(name.to_owned(), stable(&r.body));
    };
    // The case, as its lead and as a participant read it.
    snap(
        "case_as_lead",
        &app.get(&format!("/api/v1/cases/{}", s.case), Some(&w.dong))
            .await,
    );
    snap(
        "case_timeline",
        &app.get(
            &format!("/api/v1/cases/{}/timeline", s.case),
            Some(&w.welfare),
        )
        .await,
    );
    // The person: full for the registering organization and the one the consent names,
    // redacted for the district's coordinator.
    snap(
        "person_full",
        &app.get(&format!("/api/v1/persons/{}", s.person), Some(&w.welfare))
            .await,
    );
    snap(
        "person_redacted",
        &app.get(&format!("/api/v1/persons/{}", s.person), Some(&w.coord))
            .await,
    );
    // The start of a caseworker's day.
    snap(
        "worklist",
        &app.get("/api/v1/me/worklist", Some(&w.dong)).await,
    );
}

both!(the_main_views_read_the_same_everywhere);
