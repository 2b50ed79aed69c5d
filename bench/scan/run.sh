#!/usr/bin/env bash
# Measures `hamkke scan-duplicates` over 250,000 persons of one district on PostgreSQL:
# a fresh database, migrated by the binary, seeded by seed.sql, then the scan twice (the
# second finds the queued pairs already there). Prints the scan's own report (persons,
# blocks, comparisons, pairs, seconds, peak RSS) and /usr/bin/time's view of the process.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=hamkke_scanbench
url="postgres://postgres@127.0.0.1:5432/$db"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
cargo build -q --release
export DATABASE_URL="$url" HAMKKE_JWT_SECRET=scan-bench-secret-0123456789-abcdefghijklmnop
./target/release/hamkke migrate
psql -q -h 127.0.0.1 -U postgres -d "$db" -f bench/scan/seed.sql
for run in 1 2; do
  /usr/bin/time -f "run $run: %e s wall, %M KB max RSS" ./target/release/hamkke scan-duplicates --district-code 11440
done
