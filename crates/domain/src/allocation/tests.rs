use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap() // allow: test
}

fn winter() -> Window {
    Window::Season {
        start: MonthDay::parse("11-01").unwrap(), // allow: test
        end: MonthDay::parse("03-31").unwrap(),   // allow: test
    }
}

fn policy(
    window: Window,
    subject: Subject,
    max_count: Option<u32>,
    max_amount: Option<i64>,
) -> DuplicatePolicy {
    DuplicatePolicy {
        subject,
        scope: Scope::BenefitType,
        window,
        max_count,
        max_amount,
        action: Action::Block,
    }
}

fn claim(benefit_type: &str, on: &str, same_person: bool) -> Claim {
    Claim {
        allocation_id: Uuid::now_v7(),
        benefit_type: benefit_type.into(),
        group: None,
        category: Category::Heating,
        granted_on: d(on),
        amount: Some(100),
        status: AllocationStatus::Approved,
        same_person,
    }
}

#[test]
fn winter_spans_new_year() {
    assert_eq!(
        winter().bounds(d("2026-12-15")),
        Some((d("2026-11-01"), d("2027-03-31")))
    );
    assert_eq!(
        winter().bounds(d("2027-02-01")),
        Some((d("2026-11-01"), d("2027-03-31")))
    );
    assert_eq!(
        winter().bounds(d("2027-03-31")),
        Some((d("2026-11-01"), d("2027-03-31")))
    );
    assert_eq!(
        winter().bounds(d("2026-11-01")),
        Some((d("2026-11-01"), d("2027-03-31")))
    );
    assert_eq!(winter().bounds(d("2026-07-01")), None);
}

#[test]
fn days_window_edges() {
    let w = Window::Days(30);
    assert_eq!(
        w.bounds(d("2026-03-31")),
        Some((d("2026-03-02"), d("2026-04-29")))
    );
}

#[test]
fn heating_oil_twice_in_one_winter_is_blocked_for_the_household() {
    let r = "heating_oil";
    let p = policy(winter(), Subject::Household, Some(1), None);
    let req = Request {
        benefit_type: r.into(),
        group: None,
        category: Category::Heating,
        granted_on: d("2027-01-10"),
        amount: Some(100),
    };
    let v = evaluate(&p, &req, &[claim(r, "2026-12-01", false)]);
    assert!(!v.allowed());
    assert_eq!(v.exceeded, Some(Exceeded::Count { limit: 1 }));
    // Last winter's oil does not count; nor does a cancelled one.
    assert!(evaluate(&p, &req, &[claim(r, "2026-03-01", false)]).allowed());
    let mut cancelled = claim(r, "2026-12-01", false);
    cancelled.status = AllocationStatus::Cancelled;
    assert!(evaluate(&p, &req, &[cancelled]).allowed());
    // A person-subject policy ignores the other members.
    let person = policy(winter(), Subject::Person, Some(1), None);
    assert!(evaluate(&person, &req, &[claim(r, "2026-12-01", false)]).allowed());
    assert!(!evaluate(&person, &req, &[claim(r, "2026-12-01", true)]).allowed());
}

#[test]
fn amount_limits_add_up() {
    let r = "heating_oil";
    let p = policy(Window::Days(365), Subject::Person, None, Some(250));
    let req = |amount| Request {
        benefit_type: r.into(),
        group: None,
        category: Category::Cash,
        granted_on: d("2026-06-01"),
        amount: Some(amount),
    };
    let claims = [claim(r, "2026-01-01", true), claim(r, "2026-02-01", true)];
    assert!(evaluate(&p, &req(50), &claims).allowed());
    let v = evaluate(&p, &req(51), &claims);
    assert_eq!(
        v.exceeded,
        Some(Exceeded::Amount {
            limit: 250,
            total: 251
        })
    );
}

#[test]
fn a_group_counts_its_types_together_and_nothing_else() {
    let p = policy(winter(), Subject::Household, Some(1), None);
    let oil = Request {
        benefit_type: "heating_oil".into(),
        group: Some("winter_heating".into()),
        category: Category::Heating,
        granted_on: d("2026-12-10"),
        amount: None,
    };
    let mut briquettes = claim("briquettes", "2026-11-20", true);
    // Another type without a group does not count …
    assert!(evaluate(&p, &oil, std::slice::from_ref(&briquettes)).allowed());
    // … one of the same group does,
    briquettes.group = Some("winter_heating".into());
    assert!(!evaluate(&p, &oil, std::slice::from_ref(&briquettes)).allowed());
    // and a type of the same category but another group does not.
    let mut side_dishes = claim("side_dishes", "2026-11-20", true);
    side_dishes.category = Category::Heating;
    side_dishes.group = Some("meals".into());
    assert!(evaluate(&p, &oil, &[side_dishes.clone()]).allowed());
    // A type without a group never matches claims merely because they have no group.
    let plain = Request {
        group: None,
        ..oil.clone()
    };
    side_dishes.group = None;
    assert!(evaluate(&p, &plain, &[side_dishes]).allowed());
}

#[test]
fn a_migrated_category_rule_counts_the_category() {
    let mut p = policy(winter(), Subject::Household, Some(1), None);
    let req = Request {
        benefit_type: "resource_b".into(),
        group: None,
        category: Category::Heating,
        granted_on: d("2026-12-10"),
        amount: None,
    };
    let claims = [claim("resource_a", "2026-11-20", true)];
    assert!(evaluate(&p, &req, &claims).allowed());
    p.scope = Scope::Category;
    assert!(!evaluate(&p, &req, &claims).allowed());
}

#[test]
fn incoherent_policies_are_refused() {
    let input =
        |kind: &str, days, start: Option<&str>, end: Option<&str>, count, amount| PolicyInput {
            subject: Subject::Person,
            scope: Scope::BenefitType,
            window_kind: kind.into(),
            days,
            start: start.map(Into::into),
            end: end.map(Into::into),
            max_count: count,
            max_amount: amount,
            action: Action::Block,
        };
    assert!(DuplicatePolicy::parse(input("days", Some(30), None, None, Some(1), None)).is_ok());
    assert!(DuplicatePolicy::parse(input(
        "season",
        None,
        Some("11-01"),
        Some("03-31"),
        None,
        Some(10)
    ))
    .is_ok());
    assert!(DuplicatePolicy::parse(input(
        "season",
        None,
        Some("02-29"),
        Some("03-31"),
        Some(1),
        None
    ))
    .is_ok());
    for bad in [
        input("days", Some(0), None, None, Some(1), None),
        input("days", None, None, None, Some(1), None),
        input("days", Some(30), None, None, None, None),
        input("days", Some(30), None, None, Some(0), None),
        input("season", None, Some("13-01"), Some("03-31"), Some(1), None),
        input("season", None, Some("02-30"), Some("03-31"), Some(1), None),
        input("season", None, Some("11-01"), Some("11-01"), Some(1), None),
        input("weekly", None, None, None, Some(1), None),
    ] {
        assert!(DuplicatePolicy::parse(bad.clone()).is_err(), "{bad:?}");
    }
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (2000i32..2040, 1u32..=366)
        .prop_map(|(y, doy)| NaiveDate::from_yo_opt(y, doy.min(365)).unwrap_or(NaiveDate::MIN))
}

proptest! {
    /// A season window always contains the date it was computed for, and is at most a year long.
    #[test]
    fn season_bounds_contain_the_date(sm in 1u32..13, sd in 1u32..29, em in 1u32..13, ed in 1u32..29, on in date()) {
        let (start, end) = (MonthDay { month: sm, day: sd }, MonthDay { month: em, day: ed });
        prop_assume!(start != end);
        if let Some((from, to)) = (Window::Season { start, end }).bounds(on) {
            prop_assert!(from <= on && on <= to);
            prop_assert!((to - from).num_days() < 366);
        }
    }

    /// With max_count = n, n-1 earlier claims in the window pass and n are blocked; claims
    /// outside the window never matter.
    #[test]
    fn count_limit_is_exact(n in 1u32..6, days in 1u32..400, on in date(), outside in 0usize..5) {
        let r = "heating_oil";
        let p = policy(Window::Days(days), Subject::Person, Some(n), None);
        let req = Request { benefit_type: r.into(), group: None, category: Category::Heating, granted_on: on, amount: None };
        let inside = |i: u32| Claim { granted_on: on - Duration::days(i64::from(i % days)), ..claim(r, "2000-01-01", true) };
        let far = (0..outside).map(|i| Claim { granted_on: on + Duration::days(i64::from(days) + i as i64), ..claim(r, "2000-01-01", true) });
        let below: Vec<Claim> = (0..n - 1).map(inside).chain(far.clone()).collect();
        prop_assert!(evaluate(&p, &req, &below).allowed());
        let at: Vec<Claim> = (0..n).map(inside).chain(far).collect();
        let v = evaluate(&p, &req, &at);
        prop_assert!(!v.allowed());
        prop_assert_eq!(v.conflicts.len(), n as usize);
    }

    /// Grouped evaluation: renaming a claim's type to another type of the request's group
    /// never changes the verdict, and a claim of a type outside the group (and of another
    /// code) never counts, whatever its category.
    #[test]
    fn group_members_are_interchangeable(
        n in 1u32..5,
        claims_spec in proptest::collection::vec((0usize..4, 0u32..200, any::<bool>()), 0..8),
        on in date(),
    ) {
        let types = ["heating_oil", "briquettes", "side_dishes", "rice"];
        let group_of = |t: usize| (t < 2).then(|| "winter_heating".to_owned());
        let p = policy(Window::Days(200), Subject::Household, Some(n), None);
        let req = Request { benefit_type: types[0].into(), group: group_of(0), category: Category::Heating, granted_on: on, amount: None };
        let claims: Vec<Claim> = claims_spec.iter().map(|&(t, back, same)| Claim {
            benefit_type: types[t].into(),
            group: group_of(t),
            granted_on: on - Duration::days(i64::from(back)),
            ..claim("x", "2000-01-01", same)
        }).collect();
        let v = evaluate(&p, &req, &claims);
        // Swap the two grouped types everywhere: same verdict.
        let swapped: Vec<Claim> = claims.iter().map(|c| {
            let mut c = c.clone();
            c.benefit_type = match c.benefit_type.as_str() {
                "heating_oil" => "briquettes".into(),
                "briquettes" => "heating_oil".into(),
                other => other.into(),
            };
            c
        }).collect();
        prop_assert_eq!(evaluate(&p, &req, &swapped).allowed(), v.allowed());
        // Only group members are ever conflicts.
        prop_assert!(v.conflicts.iter().all(|c| c.group.as_deref() == Some("winter_heating")));
        // Dropping every non-member leaves the verdict unchanged.
        let members: Vec<Claim> = claims.iter().filter(|c| c.group.is_some()).cloned().collect();
        prop_assert_eq!(evaluate(&p, &req, &members).allowed(), v.allowed());
        // Ungrouping the request can only lower what counts.
        let alone = Request { group: None, ..req.clone() };
        if v.allowed() { prop_assert!(evaluate(&p, &alone, &claims).allowed()); }
    }
}

#[test]
fn rules_read_as_korean_sentences() {
    let p = policy(winter(), Subject::Household, Some(1), None);
    let label = |counted_with| RuleLabel {
        name_ko: "연탄",
        name_en: "Coal briquettes",
        group: Some("winter_heating"),
        amount_unit: "원",
        counted_with,
    };
    let with = [("연말 난방유", "Year-end heating oil")];
    let ko = describe(&p, Exceeded::Count { limit: 1 }, true, label(&with));
    assert!(
        ko.starts_with("같은 세대에게 연탄(연말 난방유와 함께 셈)은 "),
        "{ko}"
    );
    let en = describe(&p, Exceeded::Count { limit: 1 }, false, label(&with));
    assert!(
        en.contains("Coal briquettes (counted with Year-end heating oil)"),
        "{en}"
    );
    let alone = describe(&p, Exceeded::Count { limit: 1 }, true, label(&[]));
    assert!(
        !alone.contains("winter_heating") && alone.contains("연탄(같은 묶음의 급여와 함께 셈)은"),
        "{alone}"
    );
    let oil = RuleLabel {
        name_ko: "난방유",
        group: None,
        ..label(&[])
    };
    let ko = describe(&p, Exceeded::Count { limit: 1 }, true, oil);
    assert!(ko.contains("난방유는 ") && !ko.contains("은(는)"), "{ko}");
}
