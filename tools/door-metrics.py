#!/usr/bin/env python3
"""Counts how many ways to the database the code has (issue: one door).

Run from the repository root: `python3 tools/door-metrics.py`. Prints one line per measure;
the goal of each is in brackets. Counts are of source text, so they are as honest as the
patterns below: read them before trusting a number.
"""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)


def rust_files(*dirs):
    for d in dirs:
        for dirpath, _, names in os.walk(d):
            for n in names:
                if n.endswith(".rs"):
                    yield os.path.join(dirpath, n)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def code_only(text):
    """The text without `#[cfg(test)] mod tests { … }` at the end of a file and comments."""
    cut = text.find("#[cfg(test)]\nmod tests")
    if cut >= 0:
        text = text[:cut]
    return "\n".join(l for l in text.splitlines() if not l.strip().startswith("//"))


SRC = list(rust_files("crates", "src"))
DOOR = {"crates/persistence/src/uow.rs", "crates/persistence/src/conn.rs"}

write_tx = sum(
    len(re.findall(r"\bwrite_tx\(", code_only(read(p))))
    for p in SRC
    if p not in DOOR
)

# A mutation audit written by hand: an AuditEntry of a create/update/delete built outside
# the unit of work (`Tx::record` builds those from events).
hand_audits = sum(
    len(re.findall(r"AuditAction::(Create|Update|Delete)\b", code_only(read(p))))
    for p in SRC
    if p not in DOOR and not p.endswith("persistence/src/audit.rs")
)

# A list filter comparing the caller's organization or district by hand.
SCOPES = "crates/persistence/src/scope.rs"
hand_filters = sum(
    len(re.findall(r"(filter|\.or)\(\s*[\w:]*(org_id|district_code)\.eq(_any)?\([^)]*actor\.(org_id|district_code)", code_only(read(p))))
    for p in rust_files("crates/persistence/src/repo")
)

# Timeline entries whose kind is a string literal.
string_kinds = sum(
    len(re.findall(r"cases::event\(\s*[^,]+,\s*[^,]+,\s*[^,]+,\s*\"", code_only(read(p)), re.S))
    + len(re.findall(r"\bevent\(\s*conn,\s*actor,\s*[^,]+,\s*\"", code_only(read(p)), re.S))
    for p in SRC
)

big = sorted(
    (sum(1 for _ in open(p, encoding="utf-8")), p) for p in SRC if sum(1 for _ in open(p, encoding="utf-8")) > 800
)

# The repository modules' imports of each other, and their largest cycle.
repo_dir = "crates/persistence/src/repo"
mods = [f[:-3] for f in os.listdir(repo_dir) if f.endswith(".rs") and f != "mod.rs"]
mods += [f for f in os.listdir(repo_dir) if os.path.isdir(os.path.join(repo_dir, f))]
edges = {m: set() for m in mods}


def module_text(m):
    """A repository module's code: its file, or every file of its folder."""
    path = os.path.join(repo_dir, m)
    if os.path.isdir(path):
        return "\n".join(code_only(read(os.path.join(path, f))) for f in sorted(os.listdir(path)))
    return code_only(read(path + ".rs"))


for m in mods:
    t = module_text(m)
    for o in mods:
        if o != m and re.search(r"(super|crate::repo)::(\{[^}]*\b%s\b|%s\b)" % (o, o), t):
            edges[m].add(o)


def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


cycle = max((c for c in sccs(edges)), key=len)
cycle = cycle if len(cycle) > 1 else []

# Edges between repositories (one module using another), without the shared helpers every
# repository may use (rows, pages, references, names, the access filters).
HELPERS = {"rows", "page", "refs", "names", "access"}
repo_edges = sum(len([o for o in e if o not in HELPERS]) for e in edges.values())

# Tables that more than one repository writes (insert, update, delete): a workflow that
# spans aggregates written inside one of them. Module-wide `use crate::schema::{x as y}`
# aliases are followed.
written = {}
for m in mods:
    t = module_text(m)
    alias = {}
    for blk in re.findall(r"use crate::schema::\{([^}]*)\}", t) + re.findall(r"use crate::schema::([\w ]+);", t):
        for part in blk.split(","):
            if " as " in part:
                a, b = (x.strip() for x in part.split(" as "))
                alias[b] = a
    for name in re.findall(r"diesel::(?:update|insert_into|delete)\(\s*(?:crate::schema::)?(\w+)::table", t):
        written.setdefault(alias.get(name, name), set()).add(m)
shared_writes = sorted((t, sorted(ms)) for t, ms in written.items() if len(ms) > 1)

# Calls from one repository to another's function that changes something (a function that
# inserts, updates or deletes, records an event, or takes a `Tx`): a workflow across
# aggregates inside a repository instead of `app/`.
def functions(text):
    """Top-level and nested `fn` items of a module's code: name -> [signature + body]."""
    found = {}
    for m in re.finditer(r"\bfn\s+(\w+)", text):
        start = text.find("{", m.end())
        if start < 0 or ";" in text[m.end():start]:
            continue
        depth, j = 0, start
        while j < len(text):
            depth += (text[j] == "{") - (text[j] == "}")
            if depth == 0:
                break
            j += 1
        found.setdefault(m.group(1), []).append(text[m.start():j + 1])
    return found


changers = {}
for m in mods:
    for name, bodies in functions(module_text(m)).items():
        for body in bodies:
            signature = body[: body.index("{")]
            if re.search(r"diesel::(insert_into|update|delete)\(|\.record\(", body) or "tx: &mut Tx" in signature:
                changers.setdefault(m, set()).add(name)
cross_changes = sorted({
    (m, o, name)
    for m in mods
    for o in mods
    if o != m
    for name in changers.get(o, ())
    if re.search(r"\b%s::%s\(" % (o, name), module_text(m))
})

# Test length: lines of each test function in tests/.
lengths = []
for p in rust_files("tests"):
    lines = read(p).splitlines()
    i = 0
    while i < len(lines):
        if re.match(r"\s*(async\s+)?fn\s+\w+", lines[i]) and i > 0 and (
            "#[test]" in lines[i - 1] or "#[tokio::test]" in lines[i - 1] or "#[actix_web::test]" in lines[i - 1]
            or re.match(r"\s*both!", lines[i - 1] or "")
        ):
            depth, j, started = 0, i, False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                started = started or "{" in lines[j]
                if started and depth <= 0:
                    break
                j += 1
            lengths.append(j - i + 1)
            i = j
        i += 1
# `both!` tests: async fn bodies inside tests/api that take `app: TestApp`.
both = []
for p in rust_files("tests"):
    lines = read(p).splitlines()
    for i, l in enumerate(lines):
        if re.match(r"\s*async fn \w+\(\s*\w+: Backend\)", l):
            depth, j, started = 0, i, False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                started = started or "{" in lines[j]
                if started and depth <= 0:
                    break
                j += 1
            both.append(j - i + 1)
lengths += both

# Repository functions that open their own unit of work, and those that still take the
# connection, actor and audit context apart instead of the caller's `Tx`.
REPO = "crates/persistence/src/repo"
own_uow = sum(len(re.findall(r"\buow::run\(", code_only(read(p)))) for p in rust_files(REPO))
conn_actor_ctx = sum(
    len(re.findall(r"\bfn \w+(?:<[^>]*>)?\(\s*conn: &mut DbConn,\s*actor: &Actor,\s*ctx: &AuditCtx", code_only(read(p))))
    for p in rust_files(REPO)
)
rewrapped = sum(len(re.findall(r"\bTx::on\(", code_only(read(p)))) for p in rust_files(REPO))

dup = subprocess.run(["duplicates", "--seconds", "120"], capture_output=True, text=True).stdout.splitlines()
dup_line = dup[0] if dup else "duplicates: not run"

print(f"write_tx outside the unit of work [0]: {write_tx}")
print(f"hand-written mutation audits [0]: {hand_audits}")
print(f"hand-written list filters on the caller's org/district [0]: {hand_filters}")
print(f"timeline entries with a string kind [0]: {string_kinds}")
print(f"files above 800 lines [0]: {len(big)} {' '.join(f'{p}({n})' for n, p in big)}")
print(f"repository import cycle [none]: {len(cycle)} modules {' '.join(sorted(cycle))}")
print(f"edges between repositories (without shared helpers): {repo_edges}")
shared_line = " ".join(t + "(" + ",".join(ms) + ")" for t, ms in shared_writes)
print(f"tables written by more than one repository: {len(shared_writes)} {shared_line}")
cross_line = " ".join(f"{m}->{o}::{n}" for m, o, n in cross_changes)
print(f"repository calls to another's changing function [0]: {len(cross_changes)} {cross_line}")
print(f"repository functions opening their own unit of work: {own_uow}")
print(f"repository functions taking (conn, actor, ctx) instead of a Tx: {conn_actor_ctx}")
print(f"a Tx rebuilt from its parts inside repositories (Tx::on): {rewrapped}")
print(f"median test length: {statistics.median(lengths) if lengths else 0} lines over {len(lengths)} tests")
print(f"duplicates: {dup_line}")
