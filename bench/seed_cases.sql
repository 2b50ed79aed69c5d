-- Bench data for the case paths: :cases cases (one person each) in demo district 11440, worked
-- by 2,000 synthetic caseworkers of the demo dong centres plus `demo.dong`, who gets about
-- :cases / 2,001 of them. Run after `hamkke migrate` and `hamkke seed-demo`.
\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE bench_workers AS
SELECT row_number() OVER () AS n, id, org_id FROM (
    SELECT u.id, u.org_id FROM users u WHERE u.username = 'demo.dong'
) me;

INSERT INTO users (id, username, display_name, password_hash, org_id, role, active, failed_logins, version, created_at, updated_at)
SELECT gen_random_uuid(), 'bench.w' || g, 'bench worker ' || g, '!disabled',
       (SELECT id FROM organizations WHERE kind = 'dong_center' ORDER BY name LIMIT 1 OFFSET (g % 3)),
       'caseworker', true, 0, 1, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM generate_series(1, 2000) g;

INSERT INTO bench_workers (n, id, org_id)
SELECT 1 + row_number() OVER (ORDER BY username), id, org_id FROM users WHERE username LIKE 'bench.w%';

CREATE TEMP TABLE bench_cases AS
SELECT g, gen_random_uuid() AS person_id, gen_random_uuid() AS case_id, w.id AS worker_id, w.org_id
FROM generate_series(1, :cases) g
JOIN bench_workers w ON w.n = 1 + (g % 2001);

INSERT INTO persons (id, name, birth_date, flags, registered_by_org_id, allocation_seq, version, created_at, updated_at)
SELECT person_id, '대상자' || g, date '1935-01-01' + (g % 25000), '', org_id, 0, 1,
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM bench_cases;

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

INSERT INTO case_assignments (id, case_id, user_id, org_id, role, assigned_at, assigned_by)
SELECT gen_random_uuid(), case_id, worker_id, org_id, 'primary', now() AT TIME ZONE 'utc', worker_id FROM bench_cases;

COMMIT;
ANALYZE;
