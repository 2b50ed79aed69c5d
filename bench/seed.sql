-- Bench data (issue: integrators' benchmark): :persons persons in households of two, the first
-- :cases of them with a case in demo district 11440 worked by 2,000 synthetic caseworkers plus
-- `demo.dong`, and :allocations allocations over all persons (2024-01-01 .. 2026-12-31) from the
-- district's organizations over ten resources of ten benefit types with different duplicate
-- policies (two of them grouped).
-- Run after `hamkke migrate` and `hamkke seed-demo`.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL synchronous_commit = off;

CREATE TEMP TABLE bench_orgs AS
SELECT row_number() OVER (ORDER BY name) AS n, id FROM organizations
WHERE district_code = '11440' AND kind IN ('dong_center', 'welfare_center');

-- Caseworkers: demo.dong is worker 1, then 2,000 synthetic ones in the three dong centres.
INSERT INTO users (id, username, display_name, password_hash, org_id, role, active, failed_logins, version, created_at, updated_at)
SELECT gen_random_uuid(), 'bench.w' || g, 'bench worker ' || g, '!disabled',
       (SELECT id FROM organizations WHERE kind = 'dong_center' ORDER BY name LIMIT 1 OFFSET (g % 3)),
       'caseworker', true, 0, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM generate_series(1, 2000) g;
CREATE TEMP TABLE bench_workers AS
SELECT 1 AS n, id, org_id FROM users WHERE username = 'demo.dong'
UNION ALL
SELECT 1 + row_number() OVER (ORDER BY username), id, org_id FROM users WHERE username LIKE 'bench.w%';
CREATE INDEX ON bench_workers (n);

-- Ten benefit types, each with one resource of the same id: heating oil and briquettes form the
-- group `winter_heating` (counted together), the others stand alone.
CREATE TEMP TABLE bench_defs AS
SELECT gen_random_uuid() AS id, r.* FROM (VALUES
  ('bench 난방유', 'heating', 'private_donation', '드럼', 'winter_heating', '{"subject":"household","scope":"benefit_type","window":{"kind":"season","start":"11-01","end":"03-31"},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 연탄', 'heating', 'private_donation', '장', 'winter_heating', '{"subject":"household","scope":"benefit_type","window":{"kind":"season","start":"11-01","end":"03-31"},"max_count":2,"max_amount":null,"action":"block"}'),
  ('bench 김장김치', 'food', 'private_donation', 'kg', NULL, '{"subject":"household","scope":"benefit_type","window":{"kind":"days","days":180},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 푸드뱅크', 'food', 'private_donation', '상자', NULL, '{"subject":"person","scope":"benefit_type","window":{"kind":"days","days":30},"max_count":2,"max_amount":null,"action":"warn"}'),
  ('bench 긴급생계비', 'emergency_living', 'public', '원', NULL, '{"subject":"household","scope":"benefit_type","window":{"kind":"days","days":365},"max_count":null,"max_amount":3000000,"action":"block"}'),
  ('bench 집수리', 'housing_repair', 'public', '건', NULL, '{"subject":"household","scope":"benefit_type","window":{"kind":"days","days":730},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 월세', 'rent', 'public', '원', NULL, '{"subject":"household","scope":"benefit_type","window":{"kind":"days","days":30},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 의료비', 'medical', 'public', '원', NULL, '{"subject":"person","scope":"benefit_type","window":{"kind":"days","days":365},"max_count":null,"max_amount":5000000,"action":"warn"}'),
  ('bench 학습지원', 'education', 'private_donation', '건', NULL, '{"subject":"person","scope":"benefit_type","window":{"kind":"days","days":90},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 도시락', 'food', 'private_donation', '개', NULL, '{"subject":"person","scope":"benefit_type","window":{"kind":"days","days":1},"max_count":1,"max_amount":null,"action":"block"}')
) AS r(name, category, funding, unit, grp, policy);
INSERT INTO benefit_types (id, district_code, code, name_ko, name_en, category, description, type_group,
                           duplicate_policy, amount_unit, active, created_by_org_id, version, created_at, updated_at)
SELECT id, '11440', 'bench_' || replace(CAST(id AS text), '-', ''), name, name, category, NULL, grp, policy, '원',
       true, NULL, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_defs;
INSERT INTO resources (id, name, category, funding, unit, provider_org_id, district_code, benefit_type_id,
                       created_by_org_id, active, version, created_at, updated_at)
SELECT id, name, category, funding, unit, NULL, '11440', id,
       (SELECT id FROM bench_orgs WHERE n = 1), true, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_defs;
CREATE TEMP TABLE bench_resources AS
SELECT row_number() OVER (ORDER BY name) AS n, id, category FROM resources WHERE name LIKE 'bench %';

CREATE TEMP TABLE bench_households AS
SELECT g, gen_random_uuid() AS id FROM generate_series(1, :persons / 2) g;
INSERT INTO households (id, address, registered_by_org_id, district_code, allocation_seq, version, created_at, updated_at)
SELECT id, '서울 마포구 벤치로 ' || g, (SELECT id FROM bench_orgs WHERE n = 1 + g % 5), '11440', 0, 1,
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_households;

CREATE TEMP TABLE bench_persons AS
SELECT row_number() OVER () AS n, gen_random_uuid() AS id, h.id AS household_id, h.g
FROM bench_households h, generate_series(1, 2) k;
CREATE INDEX ON bench_persons (n);
INSERT INTO persons (id, name, birth_date, flags, household_id, registered_by_org_id, district_code, allocation_seq, version, created_at, updated_at)
SELECT id, '벤치' || n, date '1930-01-01' + (n % 30000)::int, '', household_id,
       (SELECT id FROM bench_orgs WHERE n = 1 + g % 5), '11440', 0, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_persons;

-- Cases for the first :cases persons, led by their worker's organization.
CREATE TEMP TABLE bench_cases AS
SELECT p.n AS g, p.id AS person_id, gen_random_uuid() AS case_id, w.id AS worker_id, w.org_id
FROM bench_persons p JOIN bench_workers w ON w.n = 1 + (p.n % 2001)
WHERE p.n <= :cases;
INSERT INTO cases (id, case_no, person_id, lead_org_id, district_code, case_type, risk_level, source, status, summary,
                   needs, version, created_by, created_at, updated_at)
SELECT case_id, '2025-11440-' || lpad(g::text, 6, '0'), person_id, org_id, '11440',
       (ARRAY['integrated','simple_linkage','emergency','general'])[1 + g % 4],
       (ARRAY['crisis','high','moderate','general'])[1 + g % 4],
       'outreach',
       (ARRAY['intake','assessing','in_service','monitoring','closed'])[1 + g % 5],
       '벤치마크 사례 ' || g, '[]', 1, worker_id,
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_cases;
INSERT INTO case_participants (case_id, org_id, role, added_at, added_by)
SELECT case_id, org_id, 'lead', now() AT TIME ZONE 'utc', worker_id FROM bench_cases;
-- Each case's person is its member, as the server records it (the access facts read it).
INSERT INTO case_members (case_id, person_id, added_at, added_by)
SELECT case_id, person_id, now() AT TIME ZONE 'utc', worker_id FROM bench_cases;
INSERT INTO case_assignments (id, case_id, user_id, org_id, role, assigned_at, assigned_by)
SELECT gen_random_uuid(), case_id, worker_id, org_id, 'primary', now() AT TIME ZONE 'utc', worker_id FROM bench_cases;

-- The bulk load marks each day once for the day tallies, not once per allocation.
ALTER TABLE allocations DISABLE TRIGGER allocations_tally_mark;
INSERT INTO allocations (id, resource_id, benefit_type_id, category, person_id, household_id, case_id, provider_org_id, district_code,
                         amount, quantity, granted_on, status, requested_by, created_at, updated_at)
SELECT gen_random_uuid(), r.id, r.id, r.category, p.id, p.household_id, NULL,
       (SELECT id FROM bench_orgs WHERE n = 1 + (a % 5)), '11440',
       CASE WHEN r.category IN ('emergency_living', 'rent', 'medical') THEN 100000 + (a % 20) * 10000 END,
       1 + a % 3, date '2024-01-01' + (a % 1096)::int, 'approved', (SELECT id FROM bench_workers WHERE n = 1),
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM generate_series(1, :allocations) a
JOIN bench_persons p ON p.n = 1 + (a::bigint * 7919) % (:persons)
JOIN bench_resources r ON r.n = 1 + (a % 10);
ALTER TABLE allocations ENABLE TRIGGER allocations_tally_mark;
INSERT INTO allocation_tally_marks (district_code, granted_on)
SELECT DISTINCT district_code, granted_on FROM allocations;

COMMIT;
VACUUM ANALYZE;
