"""The benchmark's peer: a FastAPI + asyncpg service (uvloop, one worker, pool of 8) that runs
the statements of bench/pgbench/get_case.sql and bench/pgbench/check.sql — the ones hamkke
issues per request, with the audit insert of each request in its own statement as hamkke did
before its group-commit writer, and the resource read on every check (hamkke keeps it in its
versioned catalogue cache) — for `GET /api/v1/cases/{id}` and `POST /api/v1/allocations/check`,
and answers JSON.

It does less than hamkke, so the ratio in bench/RESULTS.md is conservative: it reads the token's
session and user from the JWT payload without checking the signature, validates no JSON schema,
gives no problem+json errors, evaluates no duplicate policy (the claim window is the one
pgbench uses) and logs nothing.

Run: DATABASE_URL=postgres://… .venv/bin/uvicorn app:app --loop uvloop --http httptools
--workers 1 --port 18093 (bench/run.sh does this under the same CPU pinning as hamkke).
"""

import base64
import json
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response

SESSION = (
    'SELECT "users"."id", "users"."role", "organizations"."id", "organizations"."kind", '
    '"organizations"."district_code", "users"."must_change_password", '
    '(SELECT "catalogue_version"."database_id" FROM "catalogue_version" LIMIT 1), '
    '(SELECT "catalogue_version"."version" FROM "catalogue_version" LIMIT 1) FROM ("auth_sessions" '
    'INNER JOIN ("users" INNER JOIN "organizations" ON ("users"."org_id" = "organizations"."id")) '
    'ON ("auth_sessions"."user_id" = "users"."id")) WHERE (((((("auth_sessions"."id" = $1::uuid) '
    'AND ("auth_sessions"."user_id" = $2::uuid)) AND ("auth_sessions"."revoked_at" IS NULL)) AND '
    "(\"auth_sessions\".\"expires_at\" > now() AT TIME ZONE 'utc')) AND (\"users\".\"active\" = true)) "
    'AND ("organizations"."active" = true)) LIMIT 1'
)
CASE = (
    'SELECT "cases"."id", "cases"."case_no", "cases"."person_id", "cases"."lead_org_id", '
    '"cases"."district_code", "cases"."case_type", "cases"."risk_level", "cases"."source", '
    '"cases"."status", "cases"."summary", "cases"."needs", "cases"."version", "cases"."created_by", '
    '"cases"."created_at", "cases"."updated_at" FROM "cases" WHERE ("cases"."id" = $1::uuid) LIMIT 1'
)
PARTICIPANTS = (
    'SELECT "case_participants"."org_id", "case_participants"."role", "case_participants"."added_at" '
    'FROM "case_participants" WHERE ("case_participants"."case_id" = $1::uuid) '
    'ORDER BY "case_participants"."added_at" ASC'
)
ASSESSMENTS = (
    'SELECT "case_assessments"."id", "case_assessments"."case_id", "case_assessments"."person_id", '
    '"case_assessments"."assessed_on", "case_assessments"."assessor_user_id", '
    '"case_assessments"."assessor_org_id", "case_assessments"."domains", "case_assessments"."risk_level", '
    '"case_assessments"."summary", "case_assessments"."created_at" FROM "case_assessments" '
    'WHERE ("case_assessments"."case_id" = $1::uuid) '
    'ORDER BY "case_assessments"."assessed_on" DESC, "case_assessments"."id" DESC LIMIT 20'
)
DUPLICATES = (
    'SELECT "person_duplicates"."person_a", "person_duplicates"."person_b" FROM "person_duplicates" '
    'WHERE (((("person_duplicates"."person_a" = $1::uuid) OR ("person_duplicates"."person_b" = $1::uuid)) '
    "AND (\"person_duplicates\".\"status\" = 'open')) AND (\"person_duplicates\".\"score\" >= 80))"
)
AUDIT_CASE = (
    'INSERT INTO "audit_events" ("event_id", "occurred_at", "actor_user_id", "actor_org_id", '
    '"actor_role", "action", "resource_type", "resource_id", "person_id", "purpose", "ip", '
    '"request_id", "details") VALUES (gen_random_uuid(), now() AT TIME ZONE \'utc\', $1::uuid, '
    "$2::uuid, 'caseworker', 'view', 'case', $3, NULL, DEFAULT, '127.0.0.1', 'peer', DEFAULT)"
)
RESOURCE = (
    'SELECT "resources"."id", "resources"."name", "resources"."category", "resources"."funding", '
    '"resources"."unit", "resources"."provider_org_id", "resources"."district_code", '
    '"resources"."benefit_type_id", "resources"."created_by_org_id", "resources"."active", '
    '"resources"."version", "resources"."created_at", "resources"."updated_at", "benefit_types"."id", '
    '"benefit_types"."district_code", "benefit_types"."code", "benefit_types"."name_ko", '
    '"benefit_types"."name_en", "benefit_types"."category", "benefit_types"."description", '
    '"benefit_types"."type_group", "benefit_types"."duplicate_policy", "benefit_types"."amount_unit", '
    '"benefit_types"."active", "benefit_types"."version", "benefit_types"."created_at", '
    '"benefit_types"."updated_at" FROM ("resources" INNER JOIN "benefit_types" ON '
    '("resources"."benefit_type_id" = "benefit_types"."id")) WHERE ("resources"."id" = $1::uuid) LIMIT 1'
)
PERSON = (
    'SELECT "persons"."id", "persons"."name", "persons"."birth_date", "persons"."sex", '
    '"persons"."rrn_masked", "persons"."phone", "persons"."address", "persons"."household_id", '
    '"persons"."flags", "persons"."registered_by_org_id", "persons"."version", "persons"."created_at", '
    '"persons"."updated_at", "persons"."district_code", "members"."id" FROM ("persons" LEFT OUTER JOIN '
    '"persons" AS "members" ON ("members"."household_id" = "persons"."household_id")) '
    'WHERE ("persons"."id" = $1::uuid)'
)
CLAIMS_HEAD = (
    'SELECT "allocations"."id", "benefit_types"."code", "benefit_types"."type_group", '
    '"allocations"."category", "allocations"."granted_on", "allocations"."amount", "allocations"."status", '
    '"allocations"."person_id", "allocations"."benefit_type_id", "benefit_types"."name_ko", '
    '"benefit_types"."name_en", "allocations"."resource_id", "resources"."name", '
    '"allocations"."provider_org_id", "organizations"."name", "allocations"."quantity" FROM '
    '((("allocations" INNER JOIN "benefit_types" ON ("benefit_types"."id" = "allocations"."benefit_type_id")) '
    'INNER JOIN "resources" ON ("allocations"."resource_id" = "resources"."id")) '
    'INNER JOIN "organizations" ON ("organizations"."id" = "allocations"."provider_org_id")) WHERE '
)


def claims_sql(members: int) -> str:
    """hamkke's claim query for a household of `members` named members: the household, then one
    equality per member (one statement text, so one prepared statement, per household size)."""
    arms = '("allocations"."household_id" = $1::uuid)'
    for k in range(members):
        arms = f'({arms} OR ("allocations"."person_id" = ${k + 2}::uuid))'
    n = members + 2
    return (
        CLAIMS_HEAD
        + f"((({arms} AND (\"allocations\".\"granted_on\" BETWEEN '2026-11-01' AND '2027-03-31')) "
        + "AND (\"allocations\".\"status\" != 'cancelled')) "
        + f'AND (("benefit_types"."code" = ${n}) OR ("benefit_types"."type_group" = ${n + 1})))'
    )


AUDIT_CHECK = (
    'INSERT INTO "audit_events" ("event_id", "occurred_at", "actor_user_id", "actor_org_id", '
    '"actor_role", "action", "resource_type", "resource_id", "person_id", "purpose", "ip", '
    '"request_id", "details") VALUES (gen_random_uuid(), now() AT TIME ZONE \'utc\', $1::uuid, '
    "$2::uuid, 'caseworker', 'view', 'allocation_check', $3, $4::uuid, DEFAULT, '127.0.0.1', 'peer', "
    "json_build_object('allowed', $5::bool, 'conflicts', $6::int)::text)"
)

pool = None


@asynccontextmanager
async def lifespan(_app):
    global pool
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=8, max_size=8)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


def claims_of(request: Request):
    auth = request.headers.get("authorization", "")
    try:
        payload = auth.split(" ", 1)[1].split(".")[1]
        c = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return c["sid"], c["sub"]
    except Exception as e:  # noqa: BLE001
        raise HTTPException(401) from e


def dump(record):
    return {k: (str(v) if v is not None else None) for k, v in record.items()}


@app.get("/api/v1/cases/{case_id}")
async def get_case(case_id: str, request: Request):
    sid, uid = claims_of(request)
    async with pool.acquire() as conn:
        user = await conn.fetchrow(SESSION, sid, uid)
        if user is None:
            raise HTTPException(401)
        async with conn.transaction():
            case = await conn.fetchrow(CASE, case_id)
            if case is None:
                raise HTTPException(404)
            participants = await conn.fetch(PARTICIPANTS, case_id)
            assessments = await conn.fetch(ASSESSMENTS, case_id)
            await conn.execute(AUDIT_CASE, uid, str(user[2]), case_id)
    body = dump(case)
    body["participants"] = [dump(p) for p in participants]
    body["assessments"] = [dump(a) for a in assessments]
    return Response(json.dumps(body), media_type="application/json")


@app.post("/api/v1/allocations/check")
async def check(request: Request):
    sid, uid = claims_of(request)
    body = json.loads(await request.body())
    async with pool.acquire() as conn:
        user = await conn.fetchrow(SESSION, sid, uid)
        if user is None:
            raise HTTPException(401)
        resource = await conn.fetchrow(RESOURCE, body["resource_id"])
        rows = await conn.fetch(PERSON, body["person_id"])
        if resource is None or not rows:
            raise HTTPException(404)
        person = rows[0]
        household = person["household_id"]
        members = [r[14] for r in rows if r[14] is not None]
        named = [person["id"]] + [m for m in members if m != person["id"]]
        code, group = resource[15], resource[20]
        rows = await conn.fetch(claims_sql(len(named)), household, *named, code, group)
        allowed = len(rows) == 0
        candidates = await conn.fetch(DUPLICATES, person["id"])
        await conn.execute(AUDIT_CHECK, uid, str(user[2]), body["resource_id"], body["person_id"], allowed, len(rows))
    return Response(
        json.dumps({"allowed": allowed, "conflicts": [dump(r) for r in rows],
                    "possible_duplicate_claims": [dump(c) for c in candidates]}),
        media_type="application/json",
    )
