"""The benchmark's peer in its new form (#33 §1): the same service as app.py (FastAPI + asyncpg,
uvloop, one worker, pool of 8, the statements of bench/pgbench/get_case.sql and check.sql) as a
competent engineer would write it today:

- it **verifies the token** (PyJWT: HS256 with the server's secret, issuer, audience, times with
  the same 30 s leeway) instead of reading its payload;
- it **validates the body** of the check (a pydantic model of hamkke's CreateAllocationRequest:
  ids, amount and quantity ranges, the note's length; 422 on bad input);
- it **caches the catalogue**: the resource a check names, and the organizations' and users'
  names a case shows, are read once per catalogue version, which the session statement already
  returns (as hamkke does);
- its case read **names what it shows** as hamkke's does: the lead's, participants' and
  assessor's organizations and users (from that cache), and the person's name, in full or
  masked by the facts hamkke reads for it (the consents naming the caller's organization, the
  cases it takes part in) — the statements of bench/pgbench/get_case_grouped.sql;
- it **audits in groups with the chain**: requests hand their audit event to one asyncio task
  that appends whatever is queued in one transaction — takes the chain head, computes the
  SHA-256 chain in hamkke's canonical form (so `hamkke audit verify` accepts its rows), one
  multi-row INSERT, moves the head — and answers only after that commit (503 if it failed).

What it still does not do: problem+json errors, the duplicate policy's evaluation (the claim
window is the one pgbench uses), consent and organization scoping beyond the statements, logs.

Run: DATABASE_URL=postgres://… HAMKKE_JWT_SECRET=… .venv/bin/uvicorn app_new:app --loop uvloop
--http httptools --workers 1 --port 18094 (bench/fair.sh does this under the same CPU pinning as
hamkke).
"""

import asyncio
import datetime
import hashlib
import json
import os
import uuid
from contextlib import asynccontextmanager
from typing import Optional

import asyncpg
import jwt
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app import ASSESSMENTS, CASE, DUPLICATES, PARTICIPANTS, PERSON, RESOURCE, SESSION, claims_sql, dump

SECRET = os.environ["HAMKKE_JWT_SECRET"]
BATCH_MAX = 256

NAMES_PERSONS = (
    'SELECT "persons"."id", "persons"."name", "persons"."birth_date", "persons"."registered_by_org_id", '
    '"persons"."district_code" FROM "persons" WHERE (("persons"."id" = ANY($1::uuid[])) AND '
    '("persons"."district_code" = ANY($2::text[])))'
)
CONSENTS = (
    'SELECT "consents"."person_id", "consents"."scope" FROM ("consents" INNER JOIN "consent_organizations" '
    'ON ("consent_organizations"."consent_id" = "consents"."id")) WHERE (((((("consents"."person_id" = '
    'ANY($1::uuid[])) AND ("consents"."scope" = ANY($2::text[]))) AND ("consent_organizations"."org_id" = '
    '$3::uuid)) AND ("consents"."withdrawn_at" IS NULL)) AND ("consents"."expires_at" > $4::timestamp)) AND '
    '(("consents"."self_recorded" = $5::bool) OR ("consents"."form_attached_at" IS NOT NULL)))'
)
MEMBERS = (
    'SELECT "case_members"."person_id", "cases"."lead_org_id", "cases"."status" FROM ("case_members" '
    'INNER JOIN ("cases" INNER JOIN "case_participants" ON ("case_participants"."case_id" = "cases"."id")) '
    'ON ("case_members"."case_id" = "cases"."id")) WHERE (("case_members"."person_id" = ANY($1::uuid[])) '
    'AND ("case_participants"."org_id" = $2::uuid))'
)
ORG_NAMES = 'SELECT "organizations"."id", "organizations"."name" FROM "organizations" WHERE ("organizations"."id" = ANY($1::uuid[]))'
USER_NAMES = 'SELECT "users"."id", "users"."display_name" FROM "users" WHERE ("users"."id" = ANY($1::uuid[]))'
CLOSED = {"closed", "rejected", "referred_out", "follow_up"}

INSERT_CHAINED = (
    "INSERT INTO audit_events (event_id, occurred_at, actor_user_id, actor_org_id, actor_role, action, "
    "resource_type, resource_id, person_id, purpose, ip, request_id, details, chain_seq, prev_hash, hash) "
    "SELECT * FROM unnest($1::uuid[], $2::timestamp[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], "
    "$15::text[], $16::text[])"
)
LOCK_HEAD = "UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash"
MOVE_HEAD = "UPDATE audit_chain_head SET last_seq = $1, last_hash = $2 WHERE id = 1"

pool = None
writer = None


class Override(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class CheckBody(BaseModel):
    """hamkke's CreateAllocationRequest."""

    resource_id: uuid.UUID
    provider_org_id: Optional[uuid.UUID] = None
    person_id: uuid.UUID
    case_id: Optional[uuid.UUID] = None
    amount: Optional[int] = Field(default=None, ge=0, le=1_000_000_000)
    quantity: Optional[int] = Field(default=None, ge=0, le=1_000_000)
    granted_on: datetime.date
    note: Optional[str] = Field(default=None, min_length=1, max_length=2000)
    override: Optional[Override] = None


def canonical(e: dict, seq: int) -> str:
    """hamkke's canonical form of an event (persistence audit.rs `canonical`): sorted keys,
    compact, the time with six decimals and a Z."""
    return json.dumps(
        {
            "chain_seq": seq,
            "event_id": str(e["event_id"]),
            "occurred_at": e["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_user_id": str(e["actor_user_id"]),
            "actor_org_id": str(e["actor_org_id"]),
            "actor_role": e["actor_role"],
            "action": e["action"],
            "resource_type": e["resource_type"],
            "resource_id": e["resource_id"],
            "person_id": str(e["person_id"]) if e["person_id"] else None,
            "purpose": None,
            "ip": e["ip"],
            "request_id": e["request_id"],
            "details": e["details"],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


class AuditWriter:
    """Group commit: one task appends whatever requests queued while it was committing."""

    def __init__(self):
        self.queue = []
        self.wake = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def write(self, event: dict) -> None:
        done = asyncio.get_running_loop().create_future()
        self.queue.append((event, done))
        self.wake.set()
        if not await done:
            raise HTTPException(503)

    async def run(self):
        while True:
            await self.wake.wait()
            self.wake.clear()
            batch, self.queue = self.queue[:BATCH_MAX], self.queue[BATCH_MAX:]
            if self.queue:
                self.wake.set()
            if not batch:
                continue
            ok = True
            try:
                async with pool.acquire() as conn:
                    async with conn.transaction():
                        seq, prev = await conn.fetchrow(LOCK_HEAD)
                        cols = [[] for _ in range(16)]
                        for e, _ in batch:
                            seq += 1
                            digest = hashlib.sha256((prev + canonical(e, seq)).encode()).hexdigest()
                            row = (e["event_id"], e["occurred_at"], e["actor_user_id"], e["actor_org_id"],
                                   e["actor_role"], e["action"], e["resource_type"], e["resource_id"],
                                   e["person_id"], None, e["ip"], e["request_id"], e["details"], seq, prev, digest)
                            for c, v in zip(cols, row):
                                c.append(v)
                            prev = digest
                        await conn.execute(INSERT_CHAINED, *cols)
                        await conn.execute(MOVE_HEAD, seq, prev)
            except Exception:  # noqa: BLE001 — every request of the batch answers 503
                ok = False
            for _, done in batch:
                if not done.done():
                    done.set_result(ok)


@asynccontextmanager
async def lifespan(_app):
    global pool, writer
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=8, max_size=8)
    writer = AuditWriter()
    yield
    writer.task.cancel()
    await pool.close()


app = FastAPI(lifespan=lifespan)


def claims_of(request: Request):
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer "):
        raise HTTPException(401)
    try:
        c = jwt.decode(
            auth[7:],
            SECRET,
            algorithms=["HS256"],
            audience="hamkke-api",
            issuer="hamkke",
            leeway=30,
            options={"require": ["exp", "nbf", "iss", "aud", "sub"]},
        )
        return uuid.UUID(c["sid"]), uuid.UUID(c["sub"])
    except (jwt.PyJWTError, KeyError, ValueError) as e:
        raise HTTPException(401) from e


def event(uid, org, resource_type, resource_id, person_id=None, details=None) -> dict:
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return {
        "event_id": uuid.uuid4(),
        "occurred_at": now,
        "actor_user_id": uid,
        "actor_org_id": org,
        "actor_role": "caseworker",
        "action": "view",
        "resource_type": resource_type,
        "resource_id": resource_id,
        "person_id": person_id,
        "ip": "127.0.0.1",
        "request_id": "peer",
        "details": details,
    }


catalogue = {"version": None, "resources": {}, "orgs": {}, "users": {}}


def catalogue_at(version):
    if catalogue["version"] != version:
        catalogue.update(version=version, resources={}, orgs={}, users={})


async def names_of(conn, kind, ids, version):
    """Organizations' or users' names by id, from the cache while the catalogue is unchanged."""
    catalogue_at(version)
    cache = catalogue[kind]
    missing = [i for i in ids if i not in cache]
    if missing:
        for row in await conn.fetch(ORG_NAMES if kind == "orgs" else USER_NAMES, missing):
            cache[row[0]] = row[1]
    return {i: cache.get(i) for i in ids}


async def person_name(conn, person_id, org, district):
    """The person's name as the caller's organization may see it: in full when it registered
    the person, a live consent names it, or a consent for case participants covers a case it
    takes part in; masked otherwise."""
    rows = await conn.fetch(NAMES_PERSONS, [person_id], [district])
    if not rows:
        return None, True
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    consents = {r[1] for r in await conn.fetch(CONSENTS, [person_id], ["organizations", "case_participants"], org, now, False)}
    cases = await conn.fetch(MEMBERS, [person_id], org)
    full = (
        rows[0][3] == org
        or "organizations" in consents
        or ("case_participants" in consents and len(cases) > 0)
        or any(lead == org and status not in CLOSED for _, lead, status in cases)
    )
    name = rows[0][1]
    return (name if full else name[0] + "*" * (len(name) - 1)), not full


async def resource_of(conn, resource_id, version):
    """The resource with its benefit type, from the cache while the catalogue is unchanged."""
    catalogue_at(version)
    found = catalogue["resources"].get(resource_id)
    if found is None:
        found = await conn.fetchrow(RESOURCE, resource_id)
        if found is not None:
            catalogue["resources"][resource_id] = found
    return found


@app.get("/api/v1/cases/{case_id}")
async def get_case(case_id: uuid.UUID, request: Request):
    sid, uid = claims_of(request)
    async with pool.acquire() as conn:
        user = await conn.fetchrow(SESSION, sid, uid)
        if user is None:
            raise HTTPException(401)
        case = await conn.fetchrow(CASE, case_id)
        if case is None:
            raise HTTPException(404)
        participants = await conn.fetch(PARTICIPANTS, case_id)
        assessments = await conn.fetch(ASSESSMENTS, case_id)
        version = (user[6], user[7])
        latest = assessments[0] if assessments else None
        orgs = await names_of(conn, "orgs", list({case["lead_org_id"], *(p["org_id"] for p in participants),
                                                   *([latest["assessor_org_id"]] if latest else [])}), version)
        users = await names_of(conn, "users", list({case["created_by"], *([latest["assessor_user_id"]] if latest else [])}), version)
        name, masked = await person_name(conn, case["person_id"], user[2], user[4])
    await writer.write(event(uid, user[2], "case", str(case_id)))
    body = dump(case)
    body.update(person_name=name, person_name_masked=masked, lead_org_name=orgs[case["lead_org_id"]],
                created_by_name=users.get(case["created_by"]))
    body["participants"] = [dict(dump(p), organization_name=orgs.get(p["org_id"])) for p in participants]
    body["assessments"] = [dump(a) for a in assessments]
    return Response(json.dumps(body), media_type="application/json")


@app.post("/api/v1/allocations/check")
async def check(body: CheckBody, request: Request):
    sid, uid = claims_of(request)
    async with pool.acquire() as conn:
        user = await conn.fetchrow(SESSION, sid, uid)
        if user is None:
            raise HTTPException(401)
        resource = await resource_of(conn, body.resource_id, (user[6], user[7]))
        rows = await conn.fetch(PERSON, body.person_id)
        if resource is None or not rows:
            raise HTTPException(404)
        person = rows[0]
        household = person["household_id"]
        members = [r[14] for r in rows if r[14] is not None]
        named = [person["id"]] + [m for m in members if m != person["id"]]
        code, group = resource[15], resource[20]
        claims = await conn.fetch(claims_sql(len(named)), household, *named, code, group)
        candidates = await conn.fetch(DUPLICATES, person["id"])
    allowed = len(claims) == 0
    details = json.dumps({"allowed": allowed, "conflicts": len(claims)}, separators=(",", ":"))
    await writer.write(event(uid, user[2], "allocation_check", str(body.resource_id), body.person_id, details))
    return Response(
        json.dumps({"allowed": allowed, "conflicts": [dump(r) for r in claims],
                    "possible_duplicate_claims": [dump(c) for c in candidates]}),
        media_type="application/json",
    )
