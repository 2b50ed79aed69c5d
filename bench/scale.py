#!/usr/bin/env python3
"""Every heavy read as the data grows (#32 §3), run by bench/scale.sh against a release server
on the bench database (bench/seed.sql + bench/scale_fixture.sql).

Each read is timed alone, one request at a time after a warm-up: RUNS requests or MAX_SECONDS,
whichever ends first (at least five). For each, the database's own time for the same requests
is read from pg_stat_statements (execution + planning of every statement the server sent while
they ran, reset before them): the ratio request / SQL says what the server adds to its SQL.
Then the meeting finalize with 20 decisions (fresh meetings of demo.dong's centre) and an XLSX
import of IMPORT_ROWS allocation rows. Prints one Markdown table and, per read, its three most
expensive statements (for the plans of what misses). Standard library only.

argv[1]: the demo users file (username password role); env: HAMKKE_URL, BENCH_PSQL_URL.
"""

import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import zipfile

URL = urllib.parse.urlparse(os.environ["HAMKKE_URL"])
PSQL = os.environ["BENCH_PSQL_URL"]
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
MAX_SECONDS = float(os.environ.get("BENCH_MAX_SECONDS", "60"))
MEETINGS = int(os.environ.get("BENCH_MEETINGS", "5"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
YEAR = ("2026-01-01", "2026-12-31")
ALL = ("2024-01-01", "2026-12-31")
PURPOSE = {"X-Access-Purpose": "case_management"}

conn = None


def call(method, path, token=None, body=None, headers=None, raw=None):
    global conn
    h = dict(PURPOSE)
    if token:
        h["Authorization"] = f"Bearer {token}"
    if body is not None:
        h["Content-Type"] = "application/json"
        raw = json.dumps(body).encode()
    h.update(headers or {})
    for attempt in (1, 2):
        if conn is None:
            conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=600)
        try:
            conn.request(method, path, body=raw, headers=h)
            r = conn.getresponse()
            data = r.read()
            return r.status, data
        except (http.client.HTTPException, OSError):
            conn = None
            if attempt == 2:
                raise


def ok(status, data, want=(200, 201)):
    if status not in want:
        raise SystemExit(f"unexpected {status}: {data[:500]!r}")
    return json.loads(data) if data else None


def psql(sql):
    return subprocess.run(["psql", PSQL, "-AtXq", "-F", "\t", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def statements_reset():
    psql("SELECT pg_stat_statements_reset()")


def statements():
    """(total ms, [(ms, calls, query)] top three) of this database since the reset."""
    rows = psql(
        "SELECT round((total_exec_time + total_plan_time)::numeric, 3), calls, "
        "regexp_replace(left(query, 160), '\\s+', ' ', 'g') FROM pg_stat_statements s "
        "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
        "AND query NOT LIKE '%pg_stat_statements%' ORDER BY 1 DESC")
    out = [(float(ms), int(calls), q) for ms, calls, q in (r.split("\t", 2) for r in rows.splitlines() if r)]
    return sum(ms for ms, _, _ in out), out[:int(os.environ.get("BENCH_TOP", "3"))]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def timed(label, token, path, results):
    ok(*call("GET", path, token))  # warm-up
    statements_reset()
    times, start = [], time.monotonic()
    while len(times) < RUNS and (len(times) < 5 or time.monotonic() - start < MAX_SECONDS):
        t = time.monotonic()
        status, data = call("GET", path, token)
        times.append((time.monotonic() - t) * 1000)
        ok(status, data)
    size = len(data)
    sql, top = statements()
    per = sql / len(times)
    results.append((label, len(times), statistics.median(times), pct(times, 99), per, size, top))


def login(users, name):
    return ok(*call("POST", "/api/v1/auth/token", body={"username": name, "password": users[name]}))["access_token"]


def xlsx(rows):
    """A one-sheet workbook with inline strings (what calamine reads as Excel writes it)."""
    def cell(ref, v):
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'

    def col(i):
        return chr(ord("A") + i)

    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r, row in enumerate(rows, 1):
        sheet.write(f'<row r="{r}">' + "".join(cell(f"{col(i)}{r}", v) for i, v in enumerate(row)) + "</row>")
    sheet.write("</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="배분" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet.getvalue())
    return buf.getvalue()


def multipart(name, filename, content, ctype):
    boundary = "hamkke-bench-" + str(random.randrange(1 << 60))
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {ctype}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def finalize_runs(token, out):
    """MEETINGS meetings of demo.dong's centre, each with 20 agenda cases and a decision for
    each, finalized: the finalize request's time and its SQL time."""
    used = int(psql("SELECT count(*) FROM meeting_agenda") or 0)
    times, sqls = [], []
    for m in range(MEETINGS):
        ids = psql(f"SELECT id FROM bench_n_meeting_cases WHERE n > {used + 20 * m} ORDER BY n LIMIT 20").split()
        meeting = ok(*call("POST", "/api/v1/meetings", token, {
            "kind": "assessment", "title": f"bench 사정회의 {m}", "scheduled_at": "2026-12-04T10:00:00Z",
            "case_ids": ids}))
        decisions = ["continue", "to_monitoring", "defer"]
        for i, case in enumerate(ids):
            ok(*call("POST", f"/api/v1/meetings/{meeting['id']}/decisions", token, {
                "case_id": case, "decision": decisions[i % len(decisions)], "notes": "bench 결정"}))
        statements_reset()
        t = time.monotonic()
        ok(*call("POST", f"/api/v1/meetings/{meeting['id']}/finalize", token, {"minutes": "bench 회의록: 20건 심의"}))
        times.append((time.monotonic() - t) * 1000)
        sqls.append(statements())
    out.append(("meeting finalize, 20 decisions", len(times), statistics.median(times), max(times),
                statistics.median(s[0] for s in sqls), 0, max(sqls, key=lambda s: s[0])[1]))


def import_run(token, out):
    resource = psql("SELECT id FROM resources WHERE name = 'bench 도시락'")
    persons = psql(f"SELECT id FROM persons WHERE name LIKE '벤치%' ORDER BY random() LIMIT {IMPORT_ROWS}").split()
    day = f"2026-12-{random.randrange(1, 29):02d}"
    rows = [["person_id", "자원", "수량", "지급일"]] + [[p, resource, 1, day] for p in persons]
    body, headers = multipart("file", "bench.xlsx", xlsx(rows),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    statements_reset()
    t = time.monotonic()
    status, data = call("POST", "/api/v1/allocations/import", token, raw=body,
                        headers={**headers, "Idempotency-Key": f"bench-import-{random.randrange(1 << 60)}"})
    ms = (time.monotonic() - t) * 1000
    summary = ok(status, data)
    sql, top = statements()
    counts = {k: v for k, v in summary.items() if isinstance(v, int)}
    print(f"import: {counts}", file=sys.stderr)
    out.append((f"XLSX import, {len(persons):,} rows ({len(persons) / ms * 1000:,.0f} rows/s)", 1, ms, ms, sql, 0, top))


def main():
    users = {line.split()[0]: line.split()[1] for line in open(sys.argv[1]) if len(line.split()) >= 2}
    coord = login(users, "demo.coordinator")
    heavy = login(users | {"bench.heavy": users["demo.dong"]}, "bench.heavy")
    dong = login(users, "demo.dong")
    hub = psql("SELECT id FROM organizations WHERE name = '마포종합사회복지관 (demo)'")
    d = "district_code=11440"
    reads = [
        ("duplicates report, 3 years (first page)", coord, f"/api/v1/reports/duplicates?{d}&from={ALL[0]}&to={ALL[1]}"),
        ("duplicates report, one year (first page)", coord, f"/api/v1/reports/duplicates?{d}&from={YEAR[0]}&to={YEAR[1]}"),
        ("overview report, one year", coord, f"/api/v1/reports/overview?{d}&from={YEAR[0]}&to={YEAR[1]}"),
        ("dashboard, every section, one year", coord, f"/api/v1/reports/dashboard?{d}&from={YEAR[0]}&to={YEAR[1]}"),
        ("worklist, 500 open cases", heavy, "/api/v1/me/worklist"),
        ("hub overview (two dong centres)", coord, f"/api/v1/organizations/{hub}/hub-overview"),
        ("coordinator's case list with names (first page)", coord, "/api/v1/cases?limit=50"),
        ("coordinator's case list, open in-service, 200", coord, "/api/v1/cases?status=in_service&limit=200"),
        ("caseworker's own cases (assigned_to=me)", heavy, "/api/v1/cases?assigned_to=me&limit=200"),
    ]
    only = os.environ.get("BENCH_ONLY")
    results = []
    for label, token, path in reads:
        if only and only not in label:
            continue
        timed(label, token, path, results)
        r = results[-1]
        print(f"{label}: p50 {r[2]:.1f} ms, SQL {r[4]:.1f} ms", file=sys.stderr)
    if not only or "finalize" in only:
        finalize_runs(dong, results)
    if not only or "import" in only:
        import_run(dong, results)

    print("| read | n | p50 ms | p99 ms | SQL ms per request | request / SQL | answer |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, n, p50, p99, sql, size, _ in results:
        ratio = f"{p50 / sql:.2f}" if sql > 0 else "—"
        print(f"| {label} | {n} | {p50:.1f} | {p99:.1f} | {sql:.1f} | {ratio} | {size / 1024:,.0f} KiB |")
    print()
    for label, _, _, _, _, _, top in results:
        print(f"- {label}:")
        for ms, calls, q in top:
            print(f"  - {ms:.1f} ms in {calls} calls: `{q}`")


if __name__ == "__main__":
    main()
