#!/usr/bin/env python3
"""Keyed writes through a database failover (#32 §1), driven by tests/ha/patroni.sh.

`setup USERS_FILE`: a resource to give and a blocked one to race for.

`run USERS_FILE OUT_JSON`: CLIENTS clients write
until the file named by HA_STOP exists — each loop registers a person, opens a case on them,
writes a note on the case and gives them an allocation, every request with its own
Idempotency-Key. A request is retried with the same key, alternating between the two
servers, until it is acknowledged (201, 200 replayed, or 303/200 "committed" — the first try
committed but its answer was lost); 503 (with Retry-After), 409 `idempotency_key_in_progress`
and a dropped connection are retried; a 500 or any other answer fails the run. Writes what
was acknowledged, with times, to OUT_JSON.

`race USERS_FILE LABEL`: ROUNDS rounds of RACERS parallel allocations of a blocked resource to
one fresh person over both servers; exactly one may be created each round.

`check OUT_JSON PSQL_PORT KILLS_FILE`: every acknowledged write is in the database once (the
rows of each kind made since the run began are exactly the acknowledged ones), and the time
without acknowledged writes around each kill. Standard library only.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

SERVERS = [urllib.parse.urlparse(u) for u in os.environ["HAMKKE_URLS"].split(",")]
CLIENTS = int(os.environ.get("HA_CLIENTS", "16"))
RACERS = int(os.environ.get("HA_RACERS", "20"))
ROUNDS = int(os.environ.get("HA_ROUNDS", "3"))
RETRY_FOR = float(os.environ.get("HA_RETRY_FOR", "120"))
STATE = os.environ.get("HA_STATE", "/tmp/ha-state.json")

local = threading.local()


def call(server, method, path, token=None, body=None, key=None):
    """One exchange; (status, headers, body) or None when the connection failed."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    conns = getattr(local, "conns", None)
    if conns is None:
        conns = local.conns = {}
    url = SERVERS[server % len(SERVERS)]
    for attempt in (1, 2):
        conn = conns.get(url.port)
        reused = conn is not None
        if conn is None:
            conn = conns[url.port] = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            raw = r.read()
        except (http.client.HTTPException, OSError) as e:
            conns.pop(url.port, None)
            local.failed = type(e).__name__
            if reused and attempt == 1:
                continue  # a kept-alive connection the server had closed: once more on a new one
            return None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return r.status, dict(r.getheaders()), parsed


def must(answer, want=(200, 201)):
    if answer is None or answer[0] not in want:
        raise SystemExit(f"unexpected answer in setup: {answer}")
    return answer[2]


def login(users, name):
    return must(call(0, "POST", "/api/v1/auth/token", body={"username": name, "password": users[name]}))["access_token"]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = {}
        self.failures = []

    def saw(self, what):
        with self.lock:
            self.statuses[what] = self.statuses.get(what, 0) + 1


def keyed(tally, server, token, path, body):
    """Sends one keyed write until it is acknowledged; returns (id, first_sent, acked_at, tries, trail)."""
    key = str(uuid.uuid4())
    first = time.time()
    tries = 0
    trail = []
    while True:
        tries += 1
        answer = call(server + tries - 1, "POST", path, token, body, key)
        trail.append((round(time.time() - first, 1), answer[0] if answer else None,
                      answer[2].get("code") if answer and isinstance(answer[2], dict) else None))
        if answer is None:
            tally.saw(f"connection failed ({local.failed})")
        else:
            status, headers, b = answer
            code = b.get("code") if isinstance(b, dict) else None
            replayed = headers.get("Idempotent-Replayed") == "true" or headers.get("idempotent-replayed") == "true"
            if status == 201 or (status == 200 and replayed and code != "idempotent_request_committed"):
                tally.saw(f"{status}{' replayed' if replayed else ''}")
                return b["id"], first, time.time(), tries, trail
            if status in (200, 303) and code == "idempotent_request_committed":
                tally.saw(f"{status} committed")
                return b["resource"].split("/", 1)[1], first, time.time(), tries, trail
            tally.saw(f"{status} {code}")
            retriable = status == 503 or (status == 409 and code == "idempotency_key_in_progress")
            if not retriable:
                tally.failures.append({"path": path, "status": status, "body": b, "sent": body,
                                       "at": time.time(), "trail": trail})
                raise RuntimeError(f"{path}: {status} {b}")
            if status == 503 and not (headers.get("Retry-After") or headers.get("retry-after")):
                tally.failures.append({"path": path, "status": status, "missing": "Retry-After"})
        if time.time() - first > RETRY_FOR:
            raise RuntimeError(f"{path}: not acknowledged within {RETRY_FOR} s")
        time.sleep(0.2)


def setup(users_file):
    users = {l.split()[0]: l.split()[1] for l in open(users_file) if len(l.split()) >= 2}
    dong = login(users, "demo.dong")
    coord = login(users, "demo.coordinator")
    made = {}
    for name, category, policy in (
            ("resource", "food", {"subject": "person", "window": {"kind": "days", "days": 1}, "max_count": 1000, "action": "warn"}),
            ("blocked", "heating", {"subject": "person", "window": {"kind": "days", "days": 365}, "max_count": 1, "action": "block"})):
        kind = must(call(0, "POST", "/api/v1/benefit-types", coord, {
            "code": f"ha_{name}_{uuid.uuid4().hex[:8]}", "name_ko": f"장애 조치 {name}", "name_en": f"failover {name}",
            "category": category, "duplicate_policy": policy}))
        made[name] = must(call(0, "POST", "/api/v1/resources", dong, {
            "name": f"장애 조치 {name}", "benefit_type_id": kind["id"], "funding": "public", "unit": "세트"}))
    resource, blocked = made["resource"], made["blocked"]
    state = {"resource": resource["id"], "blocked": blocked["id"]}
    with open(STATE, "w") as f:
        json.dump(state, f)


def run(users_file, out):
    users = {l.split()[0]: l.split()[1] for l in open(users_file) if len(l.split()) >= 2}
    token = login(users, "demo.dong")
    state = json.load(open(STATE))
    stop = os.environ["HA_STOP"]
    tally = Tally()
    acked = {"person": [], "case": [], "note": [], "allocation": []}
    lock = threading.Lock()
    started = time.time()

    def client(n):
        i = 0
        while not os.path.exists(stop):
            i += 1
            s = n + i
            try:
                person = keep("person", keyed(tally, s, token, "/api/v1/persons", {
                    "name": f"장애{n:02d}{i:05d}", "birth_date": f"19{40 + i % 50}-{1 + n % 12:02d}-{1 + i % 28:02d}"}))
                case = keep("case", keyed(tally, s, token, "/api/v1/cases", {
                    "person_id": person, "case_type": "general", "risk_level": "high", "source": "outreach",
                    "summary": "장애 조치 중 개설"}))
                keep("note", keyed(tally, s, token, f"/api/v1/cases/{case}/notes", {
                    "kind": "phone", "occurred_at": "2026-12-01T01:00:00Z", "body": "장애 조치 중 상담",
                    "visibility": "participants"}), case)
                keep("allocation", keyed(tally, s, token, "/api/v1/allocations", {
                    "resource_id": state["resource"], "person_id": person, "granted_on": "2026-12-01"}))
            except RuntimeError as e:
                print(f"client {n}: {e}", file=sys.stderr)
                return

    def keep(kind, w, case=None):
        with lock:
            acked[kind].append({"id": w[0], "sent": w[1], "acked": w[2], "tries": w[3], "case": case,
                                **({"trail": w[4]} if w[3] > 1 else {})})
        return w[0]

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    with open(out, "w") as f:
        json.dump({"started": started, "ended": time.time(), "acked": acked, "statuses": tally.statuses,
                   "failures": tally.failures}, f)
    total = sum(len(v) for v in acked.values())
    print(f"acknowledged {total} keyed writes in {time.time() - started:.0f} s "
          f"({', '.join(f'{len(v)} {k}s' for k, v in acked.items())}); answers seen: {tally.statuses}")
    if tally.failures:
        print(f"FAILURES: {tally.failures[:5]}")
        sys.exit(1)


def race(users_file, label):
    users = {l.split()[0]: l.split()[1] for l in open(users_file) if len(l.split()) >= 2}
    token = login(users, "demo.dong")
    state = json.load(open(STATE))
    exact = True
    for r in range(ROUNDS):
        person = must(call(0, "POST", "/api/v1/persons", token, {
            "name": f"경합{label}{r}", "birth_date": f"19{30 + r}-0{1 + r % 9}-1{r % 9}"}))["id"]
        barrier = threading.Barrier(RACERS)

        def one(i):
            local.conns = None
            barrier.wait()
            a = call(i, "POST", "/api/v1/allocations", token,
                     {"resource_id": state["blocked"], "person_id": person, "granted_on": "2026-12-01"})
            return (a[0], a[2].get("code") if isinstance(a[2], dict) else None) if a else (None, None)

        with ThreadPoolExecutor(RACERS) as pool:
            answers = list(pool.map(one, range(RACERS)))
        won = sum(1 for s, _ in answers if s == 201)
        blocked = sum(1 for s, _ in answers if s == 409)
        others = sorted({f"{s} {c}" for s, c in answers if s not in (201, 409)})
        exact = exact and won == 1 and blocked == RACERS - 1
        print(f"duplicate race {label} {r}: {RACERS} at once over {len(SERVERS)} servers: {won} created, "
              f"{blocked} refused (409){', other: ' + str(others) if others else ''}")
    if not exact:
        print("DUPLICATE CHECK NOT EXACT")
        sys.exit(1)


def psql(port, sql):
    # The statement goes on stdin: a list of every acknowledged id passes the limit of one
    # command-line argument (128 KiB) in a fast run.
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "hamkke", "-XAtq", "-v",
                           "ON_ERROR_STOP=1"], input=sql, check=True, capture_output=True, text=True).stdout.strip()


def check(out, port, kills_file):
    run_ = json.load(open(out))
    state = json.load(open(STATE))
    ok = True
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(run_["started"] - 1))
    tables = {"person": ("persons", "birth_date IS NOT NULL"), "case": ("cases", "true"), "note": ("case_notes", "true"),
              "allocation": ("allocations", f"resource_id = '{state['resource']}'")}
    for kind, (table, where) in tables.items():
        ids = [w["id"] for w in run_["acked"][kind]]
        if kind == "note":
            # A retry of a note whose first answer was lost is answered with its case (the note
            # is a change to the case): each case of the run has its one note.
            ids = [w["case"] for w in run_["acked"][kind]]
            present = int(psql(port, f"SELECT count(DISTINCT case_id) FROM case_notes WHERE case_id IN ({','.join(repr(i) for i in ids) or 'NULL'})"))
        else:
            present = int(psql(port, f"SELECT count(*) FROM {table} WHERE id IN ({','.join(repr(i) for i in ids) or 'NULL'})")) if ids else 0
        made = int(psql(port, f"SELECT count(*) FROM {table} WHERE created_at >= '{since}' AND {where}"))
        if kind == "person":
            # The race rounds register their own persons, outside the run's count.
            made -= int(psql(port, f"SELECT count(*) FROM persons WHERE created_at >= '{since}' AND id IN "
                                   f"(SELECT person_id FROM allocations WHERE resource_id = '{state['blocked']}')"))
        lost = len(set(ids)) - present
        twice = made - len(set(ids))
        print(f"{kind}s: {len(ids)} acknowledged, {present} present ({lost} lost), {made} made since the run began "
              f"({twice} beyond the acknowledged)")
        ok = ok and lost == 0 and twice == 0 and len(ids) == len(set(ids))
    writes = [w for ws in run_["acked"].values() for w in ws]
    kills = [(l.split()[0], float(l.split()[1])) for l in open(kills_file)]
    for label, at in kills:
        # Writes are back when a write first sent after the kill is acknowledged (answers to
        # writes that committed before the kill may arrive later; they do not count).
        resumed = min((w["acked"] for w in writes if w["sent"] > at), default=None)
        if resumed is None:
            print(f"{label}: no write sent after the kill was acknowledged")
            ok = False
            continue
        last = max((w["acked"] for w in writes if w["acked"] <= at), default=at)
        print(f"{label}: writes resumed {resumed - at:.1f} s after the kill (the last acknowledged before it "
              f"{at - last:.2f} s before)")
    retried = sorted(w["acked"] - w["sent"] for ws in run_["acked"].values() for w in ws if w["tries"] > 1)
    for kind, ws in run_["acked"].items():
        for w in ws:
            if w["tries"] > 1 and w["acked"] - w["sent"] > 40:
                print(f"slow retried {kind}: {w['trail'][:3]} … {w['trail'][-3:]}")
    print(f"retried writes that completed: {len(retried)}"
          + (f", from first try to acknowledgement median {retried[len(retried) // 2]:.1f} s, longest {retried[-1]:.1f} s"
             if retried else "") + f"; answers seen: {run_['statuses']}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    {"setup": lambda: setup(sys.argv[2]), "run": lambda: run(sys.argv[2], sys.argv[3]), "race": lambda: race(sys.argv[2], sys.argv[3]),
     "check": lambda: check(sys.argv[2], sys.argv[3], sys.argv[4])}[sys.argv[1]]()
