-- check.sql with the group-commit audit writer: the same reads, no audit insert of its own
-- per request; instead the batched insert below (the new ceiling of issue #16).
-- The statements the server issues for one request (captured with log_statement = all, see
-- bench/run.sh), one transaction per request as the server runs them. Ids the server gets from
-- the request are drawn here by a sub-select on a numbered id table (bench_n_*; the claim query names
-- each member of the household once, the person first: two on the bench data); the benefit
-- type's code (:code) and group (:grp) are what the server keeps in its catalogue cache (it reads
-- the resource and type once per catalogue version, so no statement for them here).
-- POST /api/v1/allocations/check (heating oil: household, group winter_heating, winter season)
\set n random(1, :npersons)
SELECT "users"."id", "users"."role", "organizations"."id", "organizations"."kind", "organizations"."district_code", "users"."must_change_password", (SELECT "catalogue_version"."database_id" FROM "catalogue_version" LIMIT 1), (SELECT "catalogue_version"."version" FROM "catalogue_version" LIMIT 1) FROM ("auth_sessions" INNER JOIN ("users" INNER JOIN "organizations" ON ("users"."org_id" = "organizations"."id")) ON ("auth_sessions"."user_id" = "users"."id")) WHERE (((((("auth_sessions"."id" = :sid) AND ("auth_sessions"."user_id" = :uid)) AND ("auth_sessions"."revoked_at" IS NULL)) AND ("auth_sessions"."expires_at" > now() AT TIME ZONE 'utc')) AND ("users"."active" = true)) AND ("organizations"."active" = true)) LIMIT 1;
SELECT "persons"."id", "persons"."name", "persons"."birth_date", "persons"."sex", "persons"."rrn_masked", "persons"."phone", "persons"."address", "persons"."household_id", "persons"."flags", "persons"."registered_by_org_id", "persons"."version", "persons"."created_at", "persons"."updated_at", "persons"."district_code", "members"."id" FROM ("persons" LEFT OUTER JOIN "persons" AS "members" ON ("members"."household_id" = "persons"."household_id")) WHERE ("persons"."id" = (SELECT id FROM bench_n_persons WHERE n = :n));
SELECT "allocations"."id", "benefit_types"."code", "benefit_types"."type_group", "allocations"."category", "allocations"."granted_on", "allocations"."amount", "allocations"."status", "allocations"."person_id", "allocations"."benefit_type_id", "benefit_types"."name_ko", "benefit_types"."name_en", "allocations"."resource_id", "resources"."name", "allocations"."provider_org_id", "organizations"."name", "allocations"."quantity" FROM ((("allocations" INNER JOIN "benefit_types" ON ("benefit_types"."id" = "allocations"."benefit_type_id")) INNER JOIN "resources" ON ("allocations"."resource_id" = "resources"."id")) INNER JOIN "organizations" ON ("organizations"."id" = "allocations"."provider_org_id")) WHERE (((((("allocations"."household_id" = (SELECT household_id FROM bench_n_persons WHERE n = :n)) OR ("allocations"."person_id" = (SELECT id FROM bench_n_persons WHERE n = :n))) OR ("allocations"."person_id" = (SELECT mate FROM bench_n_persons WHERE n = :n))) AND ("allocations"."granted_on" BETWEEN '2026-11-01' AND '2027-03-31')) AND ("allocations"."status" != 'cancelled')) AND (("benefit_types"."code" = :code) OR ("benefit_types"."type_group" = :grp)));
SELECT "person_duplicates"."person_a", "person_duplicates"."person_b" FROM "person_duplicates" WHERE (((("person_duplicates"."person_a" = (SELECT id FROM bench_n_persons WHERE n = :n)) OR ("person_duplicates"."person_b" = (SELECT id FROM bench_n_persons WHERE n = :n))) AND ("person_duplicates"."status" = 'open')) AND ("person_duplicates"."score" >= 80));
-- One request in 16 (the batch a busy writer closes at 16 connections) also runs the writer's
-- transaction for 16 events: take the chain head, one 16-row INSERT, move the head.
\set g random(1, 16)
\if :g = 1
BEGIN;
UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1;
SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1;
INSERT INTO audit_events (event_id, occurred_at, actor_user_id, actor_org_id, actor_role, action, resource_type, resource_id, person_id, purpose, ip, request_id, details) SELECT gen_random_uuid(), now() AT TIME ZONE 'utc', :uid, :oid, 'caseworker', 'view', 'allocation_check', 'pgbench', NULL, NULL, '127.0.0.1', 'pgbench', NULL FROM generate_series(1, 16);
UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1;
COMMIT;
\endif
