#!/usr/bin/env python3
"""The winter campaign at scale (#31): 20 dong centres, 1,000 persons each, one campaign with
a quota of 1,000 per centre — 20,000 nominations posted by 8 clients, each one checked against
the ledger and the campaign — then 200 nominations at once for a quota of 50 places, several
rounds; and the same 20,000 imported as 20 target lists (one CSV per centre) into a second
campaign. Prints nominations/s, imported rows/s and whether any quota was exceeded.

Run by bench/campaign.sh against a release server on a fresh PostgreSQL database seeded with
`hamkke seed-demo` (its users file is argv[1]). Standard library only.
"""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

URL = urllib.parse.urlparse(os.environ["HAMKKE_URL"])
CENTRES = int(os.environ.get("BENCH_CENTRES", "20"))
PER_CENTRE = int(os.environ.get("BENCH_PER_CENTRE", "1000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
RACE = int(os.environ.get("BENCH_RACE", "200"))
SLOTS = int(os.environ.get("BENCH_SLOTS", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
IMPORT_CLIENTS = int(os.environ.get("BENCH_IMPORT_CLIENTS", "2"))
PASSWORD = "bench-password-2026!"

local = threading.local()


def call(method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    for attempt in (1, 2):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
        except (http.client.HTTPException, OSError):
            # An idle keep-alive connection the server closed: once more on a new one (a
            # nomination sent twice would answer 409 and show under "other answers").
            local.conn = None
            if attempt == 2:
                raise


def ok(status, body, want=(200, 201)):
    if status not in want:
        raise SystemExit(f"unexpected {status}: {body}")
    return body


def login(username, password):
    return ok(*call("POST", "/api/v1/auth/token", body={"username": username, "password": password}))["access_token"]


def main():
    users = {line.split()[0]: line.split()[1] for line in open(sys.argv[1]) if len(line.split()) >= 2}
    admin = login("demo.admin", users["demo.admin"])
    coord = login("demo.coordinator", users["demo.coordinator"])
    orgs = ok(*call("GET", "/api/v1/organizations?limit=200", admin))["items"]
    office = next(o for o in orgs if o["kind"] == "district_office" and o["district_code"] == "11440")
    types = ok(*call("GET", "/api/v1/benefit-types?limit=200", coord))["items"]
    oil_type = next(t for t in types if t["code"] == "heating_oil")
    resource = ok(*call("POST", "/api/v1/resources", coord, {
        "name": "bench 캠페인 난방유", "benefit_type_id": oil_type["id"], "funding": "private_donation", "unit": "드럼"}))

    centres = []
    for c in range(CENTRES):
        org = ok(*call("POST", "/api/v1/organizations", admin, {
            "name": f"bench {c:02d}동 주민센터", "kind": "dong_center", "district_code": "11440", "parent_id": office["id"]}))
        name = f"bench.dong{c:02d}"
        user = ok(*call("POST", "/api/v1/users", admin, {"username": name, "display_name": name, "org_id": org["id"], "role": "caseworker"}))
        ok(*call("POST", "/api/v1/auth/activate", body={"username": name, "activation_code": user["activation_code"], "password": PASSWORD}), (204,))
        centres.append((org["id"], login(name, PASSWORD)))

    def register(job):
        c, i = job
        status, body = call("POST", "/api/v1/persons", centres[c][1], {
            "name": f"대상{c:02d}{i:04d}", "birth_date": f"19{40 + i % 50}-{1 + i % 12:02d}-{1 + c:02d}"})
        return c, ok(status, body)["id"]

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        people = list(pool.map(register, [(c, i) for c in range(CENTRES) for i in range(PER_CENTRE)]))
    registered = time.monotonic() - started
    print(f"registered {len(people)} persons in {registered:.1f} s ({len(people) / registered:.0f}/s)")

    campaign = ok(*call("POST", "/api/v1/campaigns", coord, {
        "name": "bench 희망온돌", "starts_on": "2026-11-01", "ends_on": "2099-03-31", "benefit_type_ids": [oil_type["id"]],
        "quotas": [{"organization_id": org, "persons": PER_CENTRE} for org, _ in centres]}))

    def nominate(job):
        c, person = job
        return call("POST", f"/api/v1/campaigns/{campaign['id']}/nominations", centres[c][1],
                    {"person_id": person, "resource_id": resource["id"], "quantity": 1})[0]

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(nominate, people))
    took = time.monotonic() - started
    made = sum(1 for s in answers if s == 201)
    others = sorted({s for s in answers if s != 201})
    progress = ok(*call("GET", f"/api/v1/campaigns/{campaign['id']}", coord))
    nominated = sum(q["nominated_persons"] for q in progress["quotas"])
    print(f"nominations: {made} of {len(people)} in {took:.1f} s = {made / took:.0f}/s with {CLIENTS} clients "
          f"(other answers: {others}); the campaign counts {nominated}")

    # The same 20,000 as target lists (대상자 명단): each centre imports its list of persons
    # into a second campaign as one CSV (IMPORT_CLIENTS centres at a time); every row is checked
    # as a posted nomination is. Then one list again: every row already nominated.
    listed = ok(*call("POST", "/api/v1/campaigns", coord, {
        "name": "bench 명단 가져오기", "starts_on": "2026-11-01", "ends_on": "2099-03-31", "benefit_type_ids": [oil_type["id"]],
        "quotas": [{"organization_id": org, "persons": PER_CENTRE} for org, _ in centres]}))
    lists = {c: "person_id,자원,수량\r\n" for c in range(CENTRES)}
    for c, person in people:
        lists[c] += f"{person},{resource['id']},1\r\n"

    def import_list(c):
        local.conn = None
        conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=600)
        conn.request("POST", f"/api/v1/campaigns/{listed['id']}/nominations/import", body=lists[c].encode(),
                     headers={"Content-Type": "text/csv", "Authorization": f"Bearer {centres[c][1]}"})
        r = conn.getresponse()
        return ok(r.status, json.loads(r.read()), (200,))

    started = time.monotonic()
    with ThreadPoolExecutor(IMPORT_CLIENTS) as pool:
        reports = list(pool.map(import_list, range(CENTRES)))
    took = time.monotonic() - started
    imported = sum(r["nominated"] for r in reports)
    refused = sum(len(r["refused"]) + len(r["errors"]) for r in reports)
    counted = sum(q["nominated_persons"] for q in ok(*call("GET", f"/api/v1/campaigns/{listed['id']}", coord))["quotas"])
    print(f"imported lists: {imported} nominated of {len(people)} rows from {CENTRES} lists in {took:.1f} s = "
          f"{len(people) / took:.0f} rows/s with {IMPORT_CLIENTS} imports at a time ({refused} refused or unreadable); "
          f"the campaign counts {counted}")
    again = import_list(0)
    codes = sorted({r["code"] for r in again["refused"]})
    print(f"one list imported again: {again['nominated']} nominated, {len(again['refused'])} refused {codes}")

    exact = True
    for r in range(ROUNDS):
        race = ok(*call("POST", "/api/v1/campaigns", coord, {
            "name": f"bench 김장나눔 {r}", "starts_on": "2026-11-01", "ends_on": "2099-03-31", "benefit_type_ids": [oil_type["id"]],
            "quotas": [{"organization_id": centres[0][0], "persons": SLOTS}]}))
        mine = [p for c, p in people if c == 0][:RACE]
        barrier = threading.Barrier(len(mine))

        def one(person):
            local.conn = None
            barrier.wait()
            return call("POST", f"/api/v1/campaigns/{race['id']}/nominations", centres[0][1],
                        {"person_id": person, "resource_id": resource["id"]})

        started = time.monotonic()
        with ThreadPoolExecutor(len(mine)) as pool:
            answers = list(pool.map(one, mine))
        took = time.monotonic() - started
        won = sum(1 for s, _ in answers if s == 201)
        refused = sum(1 for s, b in answers if s == 409 and b and b.get("code") == "quota_exhausted")
        counted = ok(*call("GET", f"/api/v1/campaigns/{race['id']}", coord))["quotas"][0]["nominated_persons"]
        exact = exact and won == SLOTS and counted == SLOTS and won + refused == len(mine)
        print(f"race {r}: {len(mine)} at once for {SLOTS} places: {won} nominated, {refused} quota_exhausted, "
              f"{len(mine) - won - refused} other; counted {counted}; {took:.2f} s")
    print("quota exact in every round" if exact else "QUOTA NOT EXACT")
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
