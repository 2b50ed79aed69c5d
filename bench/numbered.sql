-- Numbered ids for wrk and pgbench (bench/run.sh, bench/fair.sh): demo.dong's organization's
-- cases (with their person), and every person.
DROP TABLE IF EXISTS bench_n_cases, bench_n_persons;
CREATE TABLE bench_n_cases AS SELECT row_number() OVER (ORDER BY c.id) AS n, c.id, c.person_id FROM cases c
  JOIN users u ON u.org_id = c.lead_org_id WHERE u.username = 'demo.dong';
-- (mate: the other member of the household, which the check names in its claim query)
CREATE TABLE bench_n_persons AS SELECT row_number() OVER (ORDER BY p.id) AS n, p.id, p.household_id,
  (SELECT min(m.id::text)::uuid FROM persons m WHERE m.household_id = p.household_id AND m.id <> p.id) AS mate FROM persons p;
CREATE UNIQUE INDEX ON bench_n_cases (n);
CREATE UNIQUE INDEX ON bench_n_persons (n);
ANALYZE bench_n_cases, bench_n_persons;
