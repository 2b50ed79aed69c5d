"""Copies a seeded benchmark database from PostgreSQL into an embedded SQLite database that
`hamkke migrate` has created, table by table (but the audit trail) and column by column (booleans as 0/1, everything
else as PostgreSQL prints it, which is the text the SQLite schema stores). Used by
`bench/run.sh --sqlite`, so that both backends are measured on the same rows.

Usage: python3 bench/sqlite_from_pg.py POSTGRES_URL SQLITE_FILE
"""

import csv
import io
import sqlite3
import subprocess
import sys

pg_url, sqlite_file = sys.argv[1], sys.argv[2]


def psql(sql):
    return subprocess.run(
        ["psql", pg_url, "-Atc", sql], check=True, capture_output=True, text=True
    ).stdout


db = sqlite3.connect(sqlite_file)
db.execute("PRAGMA foreign_keys = OFF")
db.execute("PRAGMA journal_mode = WAL")
sqlite_tables = {
    r[0]
    for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    if not r[0].startswith("sqlite_") and not r[0].startswith("__")
}
pg_tables = set(
    psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename NOT LIKE '\\_\\_%' AND tablename NOT LIKE 'bench\\_%'"
    ).split()
)
total = 0
with db:
    # The audit trail stays the new database's own (its tables only ever grow).
    for table in sorted((sqlite_tables & pg_tables) - {"audit_events", "audit_chain_head", "audit_chain_anchor"}):
        cols = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        types = psql(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = 'public' AND table_name = '{table}'"
        )
        pg_types = dict(line.split("|", 1) for line in types.splitlines() if line)
        cols = [c for c in cols if c in pg_types]
        select = ", ".join(f'"{c}"' for c in cols)
        out = subprocess.run(
            ["psql", pg_url, "-c",
             f"COPY (SELECT {select} FROM \"{table}\") TO STDOUT WITH (FORMAT csv, NULL '\\N')"],
            check=True, capture_output=True, text=True,
        ).stdout
        db.execute(f'DELETE FROM "{table}"')
        rows = []
        for row in csv.reader(io.StringIO(out)):
            values = []
            for c, v in zip(cols, row):
                if v == "\\N":
                    values.append(None)
                elif pg_types[c] == "boolean":
                    values.append(1 if v == "t" else 0)
                elif pg_types[c] in ("integer", "bigint", "smallint"):
                    values.append(int(v))
                else:
                    values.append(v)
            rows.append(values)
        marks = ", ".join("?" for _ in cols)
        db.executemany(f'INSERT INTO "{table}" ({select}) VALUES ({marks})', rows)
        total += len(rows)
        print(f"{table}: {len(rows)}", file=sys.stderr)
db.execute("PRAGMA foreign_keys = ON")
bad = db.execute("PRAGMA foreign_key_check").fetchall()
if bad:
    sys.exit(f"foreign keys do not hold after the copy: {bad[:5]}")
db.execute("ANALYZE")
db.close()
print(f"copied {total} rows into {sqlite_file}")
