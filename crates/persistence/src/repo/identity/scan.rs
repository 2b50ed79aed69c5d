//! The nightly scan for possible duplicate persons (the server's own job).

use super::*;

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    pub persons: usize,
    pub blocks: usize,
    pub comparisons: u64,
    pub pairs: usize,
    pub queued: usize,
}

/// Compares every living person of a district with those of the same birth year and the same
/// initial consonant (blocks keep it far from quadratic; swapped days and months stay in their
/// year) and queues the pairs at or above the possible-duplicate score.
pub fn scan(conn: &mut DbConn, district: &str, today: NaiveDate) -> RepoResult<ScanReport> {
    let rows: Vec<Row> = persons::table
        .left_join(households::table)
        .filter(persons::district_code.eq(district))
        .filter(persons::merged_into.is_null())
        .select((
            persons::id,
            persons::name,
            persons::birth_date,
            persons::sex,
            persons::phone,
            persons::address,
            households::address.nullable(),
            persons::registered_by_org_id,
            persons::rrn_hmac.is_not_null(),
        ))
        .load(conn)?;
    let mut report = ScanReport {
        persons: rows.len(),
        ..Default::default()
    };
    type Block = Vec<(Uuid, Prepared, bool)>;
    let mut blocks: HashMap<(i32, char), Block> = HashMap::new();
    for r in rows {
        let (id, p, _, _, rrn) = prepare(r);
        blocks
            .entry((p.birth_date.year(), rules::initial(&p.name)))
            .or_default()
            .push((id, p, rrn));
    }
    report.blocks = blocks.len();
    let mut found = Vec::new();
    for people in blocks.values() {
        for (i, (a, pa, ra)) in people.iter().enumerate() {
            for (b, pb, rb) in &people[i + 1..] {
                // Two registrations with RRNs are two people (the RRN is unique).
                if *ra && *rb {
                    continue;
                }
                report.comparisons += 1;
                let m = rules::score(pa, pb);
                if m.score >= rules::POSSIBLE {
                    found.push((*a, *b, m));
                }
            }
        }
    }
    report.pairs = found.len();
    for chunk in found.chunks(500) {
        report.queued += crate::uow::system(conn, "duplicate_scan", |conn| {
            let mut n = 0;
            for (a, b, m) in chunk {
                if queue_pair(conn, district, (*a, *b), m, "scan", today)? {
                    n += 1;
                }
            }
            Ok::<usize, RepoError>(n)
        })?;
    }
    Ok(report)
}

/// The districts that have persons (for a scan of all).
pub fn districts(conn: &mut DbConn) -> RepoResult<Vec<String>> {
    Ok(persons::table
        .select(persons::district_code)
        .distinct()
        .load(conn)?)
}
