-- get_case.sql with the group-commit audit writer: the same reads, no audit insert of its own
-- per request; instead the batched insert below (the new ceiling of issue #16).
-- The statements the server issues for one request (captured with log_statement = all, see
-- bench/run.sh); the reads run outside a transaction, as the server runs them since the writer
-- took their audit insert (under READ COMMITTED a transaction adds BEGIN and COMMIT and no
-- consistency). Ids the server gets from
-- the request are drawn here by a sub-select on a numbered id table (bench_n_*).
-- GET /api/v1/cases/{id}
\set n random(1, :ncases)
SELECT "users"."id", "users"."role", "organizations"."id", "organizations"."kind", "organizations"."district_code", "users"."must_change_password", (SELECT "catalogue_version"."database_id" FROM "catalogue_version" LIMIT 1), (SELECT "catalogue_version"."version" FROM "catalogue_version" LIMIT 1) FROM ("auth_sessions" INNER JOIN ("users" INNER JOIN "organizations" ON ("users"."org_id" = "organizations"."id")) ON ("auth_sessions"."user_id" = "users"."id")) WHERE (((((("auth_sessions"."id" = :sid) AND ("auth_sessions"."user_id" = :uid)) AND ("auth_sessions"."revoked_at" IS NULL)) AND ("auth_sessions"."expires_at" > now() AT TIME ZONE 'utc')) AND ("users"."active" = true)) AND ("organizations"."active" = true)) LIMIT 1;
-- The case with its participants, one statement (2026-12-06, #33 §2).
SELECT "cases"."id", "cases"."case_no", "cases"."person_id", "cases"."lead_org_id", "cases"."district_code", "cases"."case_type", "cases"."risk_level", "cases"."source", "cases"."status", "cases"."summary", "cases"."needs", "cases"."version", "cases"."created_by", "cases"."created_at", "cases"."updated_at", "cases"."household_id", "cases"."intake_on", "cases"."next_review_on", "cases"."closing_reason", "cases"."closing_note", "cases"."closing_evaluation", "cases"."closed_on", "cases"."follow_up_until", "cases"."follow_up_checks", "case_participants"."org_id", "case_participants"."role", "case_participants"."added_at" FROM ("cases" LEFT OUTER JOIN "case_participants" ON ("case_participants"."case_id" = "cases"."id")) WHERE ("cases"."id" = (SELECT id FROM bench_n_cases WHERE n = :n)) ORDER BY "case_participants"."added_at" ASC;
SELECT "case_assessments"."id", "case_assessments"."case_id", "case_assessments"."person_id", "case_assessments"."assessed_on", "case_assessments"."assessor_user_id", "case_assessments"."assessor_org_id", "case_assessments"."domains", "case_assessments"."risk_level", "case_assessments"."summary", "case_assessments"."created_at" FROM "case_assessments" WHERE ("case_assessments"."case_id" = (SELECT id FROM bench_n_cases WHERE n = :n)) ORDER BY "case_assessments"."assessed_on" DESC, "case_assessments"."id" DESC LIMIT 20;
-- The names the case's view shows (#33 §2 re-capture): the lead's and participants' organizations
-- and the assessor come from the server's catalogue cache; the person's name is read with the
-- facts that decide whether the caller sees it in full (consents naming its organization, the
-- cases it takes part in).
SELECT "persons"."id", "persons"."name", "persons"."birth_date", "persons"."registered_by_org_id", "persons"."district_code" FROM "persons" WHERE (("persons"."id" = ANY(ARRAY[(SELECT person_id FROM bench_n_cases WHERE n = :n)])) AND ("persons"."district_code" = ANY('{11440}')));
SELECT "consents"."person_id", "consents"."scope" FROM ("consents" INNER JOIN "consent_organizations" ON ("consent_organizations"."consent_id" = "consents"."id")) WHERE (((((("consents"."person_id" = ANY(ARRAY[(SELECT person_id FROM bench_n_cases WHERE n = :n)])) AND ("consents"."scope" = ANY('{organizations,case_participants}'))) AND ("consent_organizations"."org_id" = :oid)) AND ("consents"."withdrawn_at" IS NULL)) AND ("consents"."expires_at" > now() AT TIME ZONE 'utc')) AND (("consents"."self_recorded" = false) OR ("consents"."form_attached_at" IS NOT NULL)));
SELECT "case_members"."person_id", "cases"."lead_org_id", "cases"."status" FROM ("case_members" INNER JOIN ("cases" INNER JOIN "case_participants" ON ("case_participants"."case_id" = "cases"."id")) ON ("case_members"."case_id" = "cases"."id")) WHERE (("case_members"."person_id" = ANY(ARRAY[(SELECT person_id FROM bench_n_cases WHERE n = :n)])) AND ("case_participants"."org_id" = :oid));
-- One request in 16 (the batch a busy writer closes at 16 connections) also runs the writer's
-- transaction for 16 events: take the chain head, one 16-row INSERT, move the head.
\set g random(1, 16)
\if :g = 1
BEGIN;
UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1;
SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1;
INSERT INTO audit_events (event_id, occurred_at, actor_user_id, actor_org_id, actor_role, action, resource_type, resource_id, person_id, purpose, ip, request_id, details) SELECT gen_random_uuid(), now() AT TIME ZONE 'utc', :uid, :oid, 'caseworker', 'view', 'case', 'pgbench', NULL, NULL, '127.0.0.1', 'pgbench', NULL FROM generate_series(1, 16);
UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1;
COMMIT;
\endif
