#!/usr/bin/env python3
"""The contract's examples, taken from a test run.

    HAMKKE_RECORD_EXAMPLES=/tmp/examples.jsonl cargo test -q --test api
    python3 tools/examples.py /tmp/examples.jsonl > openapi/examples.json
    cargo run -q -- openapi > openapi/openapi.json

Every successful JSON exchange the API tests made through their helpers is a candidate; for
each operation the richest request body (most distinct fields, then the shortest) and, for
each 2xx status it answered, the richest response become its examples. Lists are cut to two
items and tokens and secrets replaced by placeholders. The server merges the file into the
contract (`openapi::examples`); Spectral checks every example against its schema in CI.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "access_token": "eyJhbGciOiJIUzI1NiJ9.…",
    "refresh_token": "rt_…",
    "secret": "whsec_…",
    "activation_code": "ACTIVATION-CODE",
    "password": "correct-horse-battery-7",
}


def templates(doc):
    out = []
    for path, item in doc["paths"].items():
        segments = ("[^/]+" if s.startswith("{") else re.escape(s) for s in path.split("/"))
        pattern = "^" + "/".join(segments) + "$"
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out.append((re.compile(pattern), method.upper(), op))
    # Literal paths before templated ones (`/allocations/check` before `/allocations/{id}`).
    out.sort(key=lambda t: t[0].pattern.count("[^/]+"))
    return out


def trimmed(v):
    if isinstance(v, list):
        return [trimmed(x) for x in v[:2]]
    if isinstance(v, dict):
        return {k: (SECRETS[k] if k in SECRETS and isinstance(x, str) else trimmed(x)) for k, x in v.items()}
    return v


def fields(v):
    if isinstance(v, dict):
        return len(v) + sum(fields(x) for x in v.values())
    if isinstance(v, list):
        return sum(fields(x) for x in v)
    return 0


def better(new, old):
    if old is None:
        return True
    a, b = fields(new), fields(old)
    return a > b or (a == b and len(json.dumps(new, ensure_ascii=False)) < len(json.dumps(old, ensure_ascii=False)))


def main():
    doc = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    routes = templates(doc)
    chosen = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        rec = json.loads(line)
        path = rec["path"].split("?")[0]
        op = next((op for rx, m, op in routes if m == rec["method"] and rx.match(path)), None)
        if op is None:
            continue
        entry = chosen.setdefault(op["operationId"], {"request": None, "responses": {}})
        media = (op.get("requestBody") or {}).get("content", {})
        if rec["request"] is not None and "application/json" in media:
            req = trimmed(rec["request"])
            if better(req, entry["request"]):
                entry["request"] = req
        status = str(rec["status"])
        resp = rec["response"]
        declared = op["responses"].get(status, {}).get("content", {})
        if resp is not None and "application/json" in declared:
            resp = trimmed(resp)
            if better(resp, entry["responses"].get(status)):
                entry["responses"][status] = resp
    out = {}
    for op_id in sorted(chosen):
        e = {k: v for k, v in chosen[op_id].items() if v}
        if e:
            out[op_id] = e
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
