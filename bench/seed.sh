#!/usr/bin/env bash
# The bench database (shared by bench/run.sh and bench/report.sh): dropped and created anew,
# migrated, demo organizations and users (their passwords in bench/.demo-users-$DB), then
# bench/seed.sql with $PERSONS persons, $CASES cases and $ALLOCATIONS allocations. Expects
# PGURL, DB, DATABASE_URL, BIN and the counts from its caller.
set -euo pipefail
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
$BIN migrate 2>/dev/null
$BIN seed-demo 2>/dev/null > "bench/.demo-users-$DB"
start=$(date +%s.%N)
psql "$DATABASE_URL" -q -v persons="$PERSONS" -v cases="$CASES" -v allocations="$ALLOCATIONS" -f bench/seed.sql
printf 'seeded %s persons, %s cases, %s allocations in %.0f s\n' "$PERSONS" "$CASES" "$ALLOCATIONS" \
  "$(echo "$(date +%s.%N) - $start" | bc)"
