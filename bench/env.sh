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
