use super::*;

#[test]
fn overrides_and_imports_that_exceed_show_up_once_per_subject() {
    let h = Uuid::now_v7();
    let (p1, p2, p3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let item = |person, household, on: &str, status| LedgerItem {
        id: Uuid::now_v7(),
        benefit_type: "heating_oil".into(),
        group: None,
        category: Category::Heating,
        person_id: person,
        household_id: household,
        granted_on: NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap(), // allow: test
        amount: None,
        status,
    };
    let items = vec![
        item(p1, Some(h), "2026-12-01", AllocationStatus::Approved),
        item(p2, Some(h), "2027-01-05", AllocationStatus::Approved),
        item(p3, None, "2026-12-01", AllocationStatus::Approved),
        item(p3, None, "2027-01-05", AllocationStatus::Cancelled),
    ];
    let policy = DuplicatePolicy {
        subject: Subject::Household,
        scope: Scope::BenefitType,
        window: Window::Season {
            start: MonthDay::parse("11-01").unwrap(), // allow: test
            end: MonthDay::parse("03-31").unwrap(),   // allow: test
        },
        max_count: Some(1),
        max_amount: None,
        action: Action::Block,
    };
    let found = find_excess(&items, |_| Some(policy));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].subject,
            found[0].subject_id,
            found[0].items.clone()
        ),
        (Subject::Household, h, vec![0, 1])
    );
}

/// The n² definition: every other allocation of the subject is a claim.
fn brute_force(items: &[LedgerItem], policy: DuplicatePolicy) -> Vec<(Uuid, Vec<usize>)> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut found: BTreeMap<Uuid, BTreeSet<usize>> = BTreeMap::new();
    for (i, a) in items.iter().enumerate().filter(|(_, a)| a.status.counts()) {
        let claims: Vec<(usize, Claim)> = items
            .iter()
            .enumerate()
            .filter(|(j, c)| *j != i && c.status.counts() && c.person_id == a.person_id)
            .map(|(j, c)| {
                (
                    j,
                    Claim {
                        allocation_id: c.id,
                        benefit_type: c.benefit_type.to_string(),
                        group: c.group.as_deref().map(str::to_owned),
                        category: c.category,
                        granted_on: c.granted_on,
                        amount: c.amount,
                        status: c.status,
                        same_person: true,
                    },
                )
            })
            .collect();
        let request = Request {
            benefit_type: a.benefit_type.to_string(),
            group: a.group.as_deref().map(str::to_owned),
            category: a.category,
            granted_on: a.granted_on,
            amount: a.amount,
        };
        let only: Vec<Claim> = claims.iter().map(|(_, c)| c.clone()).collect();
        let verdict = evaluate(&policy, &request, &only);
        if verdict.exceeded.is_some() {
            let entry = found.entry(a.person_id).or_default();
            entry.insert(i);
            for c in &verdict.conflicts {
                if let Some((j, _)) = claims
                    .iter()
                    .find(|(_, x)| x.allocation_id == c.allocation_id)
                {
                    entry.insert(*j);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

proptest::proptest! {
    #[test]
    fn the_windowed_search_finds_what_the_n_squared_one_finds(
        rows in proptest::collection::vec((0usize..3, 0i64..120, 0usize..2, proptest::option::of(0i64..500), proptest::bool::ANY), 0..60),
        days in 1u32..40,
        max_count in proptest::option::of(1u32..4),
        max_amount in proptest::option::of(100i64..1000),
    ) {
        let people = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(); // allow: test
        let items: Vec<LedgerItem> = rows
            .iter()
            .map(|&(p, day, t, amount, cancelled)| LedgerItem {
                id: Uuid::now_v7(),
                benefit_type: ["rice", "coal"][t].into(),
                group: None,
                category: Category::Food,
                person_id: people[p],
                household_id: None,
                granted_on: start + chrono::Duration::days(day),
                amount,
                status: if cancelled { AllocationStatus::Cancelled } else { AllocationStatus::Approved },
            })
            .collect();
        let policy = DuplicatePolicy {
            subject: Subject::Person,
            scope: Scope::BenefitType,
            window: Window::Days(days),
            max_count: max_count.or(if max_amount.is_none() { Some(1) } else { None }),
            max_amount,
            action: Action::Block,
        };
        let fast: Vec<(Uuid, Vec<usize>)> = find_excess(&items, |_| Some(policy))
            .into_iter()
            .map(|e| (e.subject_id, e.items))
            .collect();
        let mut fast = fast;
        fast.sort();
        proptest::prop_assert_eq!(fast, brute_force(&items, policy));
    }
}
