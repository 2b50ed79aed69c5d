-- The fixture bench/scale.sh adds to the bench database (after bench/seed.sql), for the reads
-- #32 measures as the data grows:
--  * `bench.heavy`, a caseworker of demo.dong's centre (same password) with 500 open cases of
--    her own (persons without a case), for the worklist;
--  * one case in a hundred of the district's dong centres awaiting a meeting (사정회의), for the
--    hub welfare centre's overview;
--  * `bench_n_meeting_cases`: demo.dong's centre's open cases, numbered, for the meetings of the
--    finalize run (20 decisions each).
-- Idempotent: a second run changes nothing.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO users (id, username, display_name, password_hash, org_id, role, active, failed_logins, version, created_at, updated_at)
SELECT gen_random_uuid(), 'bench.heavy', 'bench heavy worker', password_hash, org_id, 'caseworker', true, 0, 1,
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM users WHERE username = 'demo.dong' AND NOT EXISTS (SELECT 1 FROM users WHERE username = 'bench.heavy');

CREATE TEMP TABLE heavy_cases AS
SELECT row_number() OVER (ORDER BY p.id) AS g, p.id AS person_id, gen_random_uuid() AS case_id,
       u.id AS worker_id, u.org_id
FROM persons p CROSS JOIN (SELECT id, org_id FROM users WHERE username = 'bench.heavy') u
WHERE p.name LIKE '벤치%' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM case_assignments a WHERE a.user_id = u.id)
ORDER BY p.id
LIMIT 500;
INSERT INTO cases (id, case_no, person_id, lead_org_id, district_code, case_type, risk_level, source, status, summary,
                   needs, version, created_by, created_at, updated_at)
SELECT case_id, '2019-11440-' || lpad(g::text, 6, '0'), person_id, org_id, '11440',
       (ARRAY['integrated','simple_linkage','emergency','general'])[1 + g % 4],
       (ARRAY['crisis','high','moderate','general'])[1 + g % 4],
       'outreach',
       (ARRAY['intake','assessing','in_service','monitoring'])[1 + g % 4],
       '벤치마크 담당 사례 ' || g, '[]', 1, worker_id,
       now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc'
FROM heavy_cases;
INSERT INTO case_participants (case_id, org_id, role, added_at, added_by)
SELECT case_id, org_id, 'lead', now() AT TIME ZONE 'utc', worker_id FROM heavy_cases;
INSERT INTO case_assignments (id, case_id, user_id, org_id, role, assigned_at, assigned_by)
SELECT gen_random_uuid(), case_id, worker_id, org_id, 'primary', now() AT TIME ZONE 'utc', worker_id FROM heavy_cases;

UPDATE cases SET status = 'awaiting_meeting'
WHERE case_no LIKE '2025-11440-%00' AND status <> 'awaiting_meeting' AND status <> 'closed'
  AND lead_org_id IN (SELECT id FROM organizations WHERE kind = 'dong_center');

CREATE TABLE IF NOT EXISTS bench_n_meeting_cases (n int PRIMARY KEY, id uuid NOT NULL);
INSERT INTO bench_n_meeting_cases
SELECT row_number() OVER (ORDER BY c.id), c.id FROM cases c JOIN users u ON u.org_id = c.lead_org_id
WHERE u.username = 'demo.dong' AND c.status = 'in_service'
  AND NOT EXISTS (SELECT 1 FROM bench_n_meeting_cases);
COMMIT;
ANALYZE cases;
ANALYZE case_assignments;
