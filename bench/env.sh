# The settings the bench scripts share, sourced after the script sets PORT: the bench database
# (BENCH_PG, BENCH_DB), the binary (BENCH_BIN), the server's environment, and pin_pg to put
# PostgreSQL's processes on given CPUs.
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-hamkke_bench}
BIN=${BENCH_BIN:-target/release/hamkke}
# Server and PostgreSQL share the host: no TLS on the loopback connection (for both the server
# and pgbench), as a same-host deployment would run.
export PGSSLMODE=disable
export DATABASE_URL="$PGURL/$DB?sslmode=disable" HAMKKE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/zero | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/zero | base64) \
  HAMKKE_BIND=127.0.0.1:$PORT HAMKKE_LOG=warn HAMKKE_LOGIN_PER_MINUTE=1000
PGPID=$(head -1 "$(ls /var/run/postgresql/*.pid | head -1)")
pin_pg() { for p in $PGPID $(pgrep -P "$PGPID"); do taskset -pc "$1" "$p" > /dev/null 2>&1 || true; done; }
# Waits until the server at URL answers /readyz (10 s at most).
wait_ready() { for _ in $(seq 1 50); do curl -sf "$1/readyz" > /dev/null && break; sleep 0.2; done; }
# The seeded dong centre user's access token from the server at URL.
bench_token() {
  local pw
  pw=$(awk '$1 == "demo.dong" { print $2 }' "bench/.demo-users-$DB")
  curl -sf -X POST "$1/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"demo.dong\",\"password\":\"$pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
# Starts "$BIN serve" alone on CPU 0 (PostgreSQL pinned there too), its log in $1; sets SERVER,
# waits until it is ready and sets TOKEN (the dong centre user's). The caller's trap stops it.
serve_measured() {
  pin_pg 0
  taskset -c 0 "$BIN" serve 2> "$1" &
  SERVER=$!
  wait_ready "$URL"
  TOKEN=$(bench_token "$URL")
}
# The case reads the dong centre user may make, one URL a line (at most 20,000).
case_urls() {
  psql "$DATABASE_URL" -Atc "SELECT '$URL/api/v1/cases/' || c.id FROM cases c JOIN users u ON u.org_id = c.lead_org_id
    WHERE u.username = 'demo.dong' LIMIT 20000"
}
# CPU 0's busy and idle jiffies (busy: user, nice, system, irq, softirq, steal).
cpu0() { awk '$1 == "cpu0" { print $2 + $3 + $4 + $6 + $7 + $8 + $9, $5 }' /proc/stat; }
