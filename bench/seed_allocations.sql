-- Bench data for the ledger: :persons persons in households of two, :allocations allocations
-- over them (2024-01-01 .. 2026-12-31) from the demo district's organizations, over ten
-- resources with different duplicate policies. Run after `hamkke migrate` and `hamkke seed-demo`.
\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE bench_orgs AS
SELECT row_number() OVER (ORDER BY name) AS n, id FROM organizations
WHERE district_code = '11440' AND kind IN ('dong_center', 'welfare_center');

CREATE TEMP TABLE bench_user AS SELECT id FROM users WHERE username = 'demo.dong';

INSERT INTO resources (id, name, category, funding, unit, provider_org_id, district_code, duplicate_policy,
                       created_by_org_id, active, version, created_at, updated_at)
SELECT gen_random_uuid(), r.name, r.category, r.funding, r.unit, NULL, '11440', r.policy,
       (SELECT id FROM bench_orgs WHERE n = 1), true, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM (VALUES
  ('bench 난방유', 'heating', 'private_donation', '드럼', '{"subject":"household","scope":"category","window":{"kind":"season","start":"11-01","end":"03-31"},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 연탄', 'heating', 'private_donation', '장', '{"subject":"household","scope":"resource","window":{"kind":"season","start":"11-01","end":"03-31"},"max_count":2,"max_amount":null,"action":"block"}'),
  ('bench 김장김치', 'food', 'private_donation', 'kg', '{"subject":"household","scope":"resource","window":{"kind":"days","days":180},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 푸드뱅크', 'food', 'private_donation', '상자', '{"subject":"person","scope":"resource","window":{"kind":"days","days":30},"max_count":2,"max_amount":null,"action":"warn"}'),
  ('bench 긴급생계비', 'emergency_living', 'public', '원', '{"subject":"household","scope":"category","window":{"kind":"days","days":365},"max_count":null,"max_amount":3000000,"action":"block"}'),
  ('bench 집수리', 'housing_repair', 'public', '건', '{"subject":"household","scope":"resource","window":{"kind":"days","days":730},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 월세', 'rent', 'public', '원', '{"subject":"household","scope":"resource","window":{"kind":"days","days":30},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 의료비', 'medical', 'public', '원', '{"subject":"person","scope":"category","window":{"kind":"days","days":365},"max_count":null,"max_amount":5000000,"action":"warn"}'),
  ('bench 학습지원', 'education', 'private_donation', '건', '{"subject":"person","scope":"resource","window":{"kind":"days","days":90},"max_count":1,"max_amount":null,"action":"block"}'),
  ('bench 도시락', 'food', 'private_donation', '개', '{"subject":"person","scope":"resource","window":{"kind":"days","days":1},"max_count":1,"max_amount":null,"action":"block"}')
) AS r(name, category, funding, unit, policy);

CREATE TEMP TABLE bench_resources AS
SELECT row_number() OVER (ORDER BY name) AS n, id, category FROM resources WHERE name LIKE 'bench %';

CREATE TEMP TABLE bench_households AS
SELECT g, gen_random_uuid() AS id FROM generate_series(1, :persons / 2) g;

INSERT INTO households (id, address, registered_by_org_id, allocation_seq, version, created_at, updated_at)
SELECT id, '서울 마포구 벤치로 ' || g, (SELECT id FROM bench_orgs WHERE n = 1 + g % 5), 0, 1,
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_households;

CREATE TEMP TABLE bench_persons AS
SELECT row_number() OVER () AS n, gen_random_uuid() AS id, h.id AS household_id, h.g
FROM bench_households h, generate_series(1, 2) k;

INSERT INTO persons (id, name, birth_date, flags, household_id, registered_by_org_id, allocation_seq, version, created_at, updated_at)
SELECT id, '벤치' || n, date '1930-01-01' + (n % 30000)::int, '', household_id,
       (SELECT id FROM bench_orgs WHERE n = 1 + g % 5), 0, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_persons;
CREATE INDEX ON bench_persons (n);

INSERT INTO allocations (id, resource_id, category, person_id, household_id, case_id, provider_org_id, district_code,
                         amount, quantity, granted_on, status, requested_by, created_at, updated_at)
SELECT gen_random_uuid(), r.id, r.category, p.id, p.household_id, NULL,
       (SELECT id FROM bench_orgs WHERE n = 1 + (a % 5)), '11440',
       CASE WHEN r.category IN ('emergency_living', 'rent', 'medical') THEN 100000 + (a % 20) * 10000 END,
       1 + a % 3, date '2024-01-01' + (a % 1096)::int, 'approved', (SELECT id FROM bench_user),
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM generate_series(1, :allocations) a
JOIN bench_persons p ON p.n = 1 + (a::bigint * 7919) % (:persons)
JOIN bench_resources r ON r.n = 1 + (a % 10);

COMMIT;
VACUUM ANALYZE persons;
VACUUM ANALYZE households;
VACUUM ANALYZE allocations;
