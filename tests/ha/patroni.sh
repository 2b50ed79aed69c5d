#!/usr/bin/env bash
# PostgreSQL failover under load without losing a write (#32 §1). Starts, on this machine, a
# three-member etcd cluster and two PostgreSQL 15 instances managed by Patroni (synchronous
# replication, `synchronous_mode: true`, default ttl / loop_wait / retry_timeout), each on its own
# ports and data directory under a temporary directory, and two hamkke servers whose
# DATABASE_URL names both hosts (`target_session_attrs=read-write`). 16 clients then write
# keyed requests (a person, a case on them, a note, an allocation; each with its own
# Idempotency-Key, retried with it until acknowledged) through both servers while
#   1. the primary's PostgreSQL is killed with SIGKILL: Patroni promotes the synchronous standby
#      (`primary_start_timeout: 0`: fail over at once rather than restart the crashed primary),
#      and the old primary rejoins as a standby (pg_rewind);
#   2. the new primary's node is lost (its Patroni and its PostgreSQL killed with SIGKILL): the
#      standby takes over when the leader key expires; the lost node, restarted, rejoins.
# Then checks: every acknowledged write present, none applied twice, no 500, every 503 with
# Retry-After, the duplicate check exact (20 parallel allocations of a blocked resource over
# both servers create one) before and after, `hamkke audit verify` passes; reports the time
# without acknowledged writes around each kill.
# Needs Debian's `patroni` and `etcd-server`, PostgreSQL 15's server binaries and a user
# `postgres`; skipped with the reason printed when they are missing.
# Usage: tests/ha/patroni.sh   (HAMKKE_BIN picks the binary; HA_CLIENTS, HA_SETTLE size it)
set -euo pipefail
cd "$(dirname "$0")/../.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SETTLE=${HA_SETTLE:-10}
for need in patroni patronictl etcd; do
  command -v "$need" > /dev/null || { echo "Patroni failover test skipped: $need not installed (Debian packages patroni, etcd-server)"; exit 0; }
done
if [ ! -x "$PGBIN/initdb" ] || ! id postgres > /dev/null 2>&1; then
  echo "Patroni failover test skipped: PostgreSQL 15 server binaries or the postgres user not found"
  exit 0
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
BIN=${HAMKKE_BIN:-target/debug/hamkke}
[ -n "${HAMKKE_BIN:-}" ] || cargo build -q --locked --bin hamkke
WORK=$(mktemp -d)
chown postgres "$WORK"
as_pg() { runuser -u postgres -- "$@"; }
SERVERS=()
DRIVER=
cleanup() {
  for s in "${SERVERS[@]}" $DRIVER; do kill "$s" 2> /dev/null || true; done
  pkill -9 -f "patroni $WORK/" 2> /dev/null || true
  for n in 1 2; do as_pg "$PGBIN/pg_ctl" -D "$WORK/pg$n" -m immediate stop > /dev/null 2>&1 || true; done
  pkill -f "etcd --name ha-etcd-.* --data-dir $WORK/" 2> /dev/null || true
  sleep 0.5
  [ -n "${HA_KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# etcd: three members.
declare -a EC EP
for i in 1 2 3; do EC[$i]=$(free_port); EP[$i]=$(free_port); done
CLUSTER="ha-etcd-1=http://127.0.0.1:${EP[1]},ha-etcd-2=http://127.0.0.1:${EP[2]},ha-etcd-3=http://127.0.0.1:${EP[3]}"
for i in 1 2 3; do
  etcd --name "ha-etcd-$i" --data-dir "$WORK/etcd$i" \
    --listen-client-urls "http://127.0.0.1:${EC[$i]}" --advertise-client-urls "http://127.0.0.1:${EC[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${EP[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${EP[$i]}" \
    --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token "hamkke-ha-$$" \
    > "$WORK/etcd$i.log" 2>&1 &
done
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${EC[1]}" endpoint health > /dev/null 2>&1 && break
  sleep 0.2
done

# Patroni: two PostgreSQL 15 members.
declare -a PP RP
for n in 1 2; do PP[$n]=$(free_port); RP[$n]=$(free_port); done
for n in 1 2; do
  cat > "$WORK/pg$n.yml" << EOF
scope: hamkke-ha
name: pg$n
restapi:
  listen: 127.0.0.1:${RP[$n]}
  connect_address: 127.0.0.1:${RP[$n]}
etcd3:
  hosts: 127.0.0.1:${EC[1]},127.0.0.1:${EC[2]},127.0.0.1:${EC[3]}
bootstrap:
  dcs:
    synchronous_mode: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_log_hints: "on"
        max_wal_senders: 8
        max_replication_slots: 8
        max_connections: 200
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - local all all trust
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${PP[$n]}
  connect_address: 127.0.0.1:${PP[$n]}
  data_dir: $WORK/pg$n
  bin_dir: $PGBIN
  pgpass: $WORK/pgpass$n
  authentication:
    superuser: {username: postgres, password: ha-test}
    replication: {username: postgres, password: ha-test}
    rewind: {username: postgres, password: ha-test}
  parameters:
    unix_socket_directories: $WORK
EOF
done
chown postgres "$WORK"/pg?.yml
start_patroni() { (cd "$WORK" && exec runuser -u postgres -- patroni "$WORK/pg$1.yml" >> "$WORK/patroni$1.log" 2>&1) & }
cluster() { curl -sf "http://127.0.0.1:${RP[1]}/cluster" 2> /dev/null || curl -sf "http://127.0.0.1:${RP[2]}/cluster"; }
# -> the member name of the leader, or nothing
leader() { cluster | python3 -c 'import json,sys; print(next((m["name"] for m in json.load(sys.stdin)["members"] if m["role"] == "leader" and m["state"] == "running"), ""))' 2> /dev/null || true; }
# whether both members run, one the leader and the other a streaming synchronous standby
healthy() {
  cluster | python3 -c 'import json,sys
m = json.load(sys.stdin)["members"]
ok = len(m) == 2 and {x["role"] for x in m} == {"leader", "sync_standby"} and all(x["state"] in ("running", "streaming") for x in m)
sys.exit(0 if ok else 1)' 2> /dev/null
}
wait_for() { # seconds, what, command...
  local until=$(($(date +%s) + $1)) what=$2
  shift 2
  until "$@"; do
    if [ "$(date +%s)" -ge "$until" ]; then
      echo "timed out waiting for $what"
      cluster || true
      tail -5 "$WORK"/patroni?.log
      exit 1
    fi
    sleep 0.5
  done
}
start_patroni 1
has_leader() { [ -n "$(leader)" ]; }
wait_for 60 "the first member to lead" has_leader
start_patroni 2
wait_for 120 "a synchronous standby" healthy
port_of() { [ "$1" = pg1 ] && echo "${PP[1]}" || echo "${PP[2]}"; }
psql -h 127.0.0.1 -p "$(port_of "$(leader)")" -U postgres -XAtq -c "CREATE DATABASE hamkke"
echo "etcd (3 members) and Patroni up: $(leader) leads, the other is its synchronous standby"

export PGSSLMODE=disable
export DATABASE_URL="postgres://postgres@127.0.0.1:${PP[1]},127.0.0.1:${PP[2]}/hamkke?target_session_attrs=read-write&sslmode=disable&connect_timeout=2" \
  HAMKKE_JWT_SECRET=ha-test-secret-ha-test-secret-0123456789 \
  HAMKKE_DATA_KEY=$(head -c32 /dev/urandom | base64) HAMKKE_LOOKUP_KEY=$(head -c32 /dev/urandom | base64) \
  HAMKKE_LOG=warn HAMKKE_DATA_DIR="$WORK/data"
"$BIN" seed-demo > "$WORK/users"
URLS=
for s in 1 2; do
  port=$(free_port)
  HAMKKE_BIND=127.0.0.1:$port "$BIN" serve > "$WORK/server$s.log" 2>&1 &
  SERVERS+=($!)
  URLS="$URLS${URLS:+,}http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
done
export HAMKKE_URLS=$URLS HA_STATE="$WORK/state.json" HA_STOP="$WORK/stop"
fail=0
python3 tests/ha/failover.py setup "$WORK/users"
python3 tests/ha/failover.py race "$WORK/users" before || fail=1

python3 tests/ha/failover.py run "$WORK/users" "$WORK/run.json" > "$WORK/driver.log" 2>&1 &
DRIVER=$!
sleep "$SETTLE"

# 1. The primary's PostgreSQL killed with SIGKILL.
old=$(leader)
postmaster=$(head -1 "$WORK/$old/postmaster.pid")
echo "kill -9 of $old's PostgreSQL (postmaster $postmaster and its backends)"
kill -9 "$postmaster" $(pgrep -P "$postmaster") 2> /dev/null || true
echo "postgres-killed $(date +%s.%N)" > "$WORK/kills"
started=$(date +%s)
until new=$(leader) && [ -n "$new" ] && [ "$new" != "$old" ]; do
  [ $(($(date +%s) - started)) -lt 120 ] || { echo "no failover after the primary's PostgreSQL was killed"; exit 1; }
  sleep 0.5
done
echo "$new promoted $(($(date +%s) - started)) s after the kill"
wait_for 180 "$old to rejoin as the synchronous standby" healthy
echo "$old rejoined as the synchronous standby $(($(date +%s) - started)) s after the kill"
sleep "$SETTLE"

# 2. The new primary's node lost: its Patroni and its PostgreSQL killed with SIGKILL.
lost=$(leader)
n=${lost#pg}
postmaster=$(head -1 "$WORK/$lost/postmaster.pid")
patroni_pids=$(pgrep -f "patroni $WORK/pg$n.yml" | tr '\n' ' ')
echo "node of $lost lost: kill -9 of its Patroni and PostgreSQL (postmaster $postmaster)"
kill -9 $patroni_pids "$postmaster" $(pgrep -P "$postmaster") 2> /dev/null || true
echo "node-lost $(date +%s.%N)" >> "$WORK/kills"
started=$(date +%s)
until new=$(leader) && [ -n "$new" ] && [ "$new" != "$lost" ]; do
  [ $(($(date +%s) - started)) -lt 180 ] || { echo "no failover after the node was lost"; exit 1; }
  sleep 0.5
done
echo "$new promoted $(($(date +%s) - started)) s after the node was lost"
start_patroni "$n"
wait_for 180 "$lost to rejoin as the synchronous standby" healthy
echo "$lost rejoined as the synchronous standby $(($(date +%s) - started)) s after it was lost"
sleep "$SETTLE"

touch "$WORK/stop"
wait "$DRIVER" || fail=1
DRIVER=
cat "$WORK/driver.log"
python3 tests/ha/failover.py race "$WORK/users" after || fail=1
python3 tests/ha/failover.py check "$WORK/run.json" "$(port_of "$(leader)")" "$WORK/kills" || fail=1
if "$BIN" audit verify > "$WORK/verify.log" 2>&1; then
  echo "audit verify: $(tail -1 "$WORK/verify.log")"
else
  echo "audit verify FAILED: $(tail -3 "$WORK/verify.log")"
  fail=1
fi
panics=$(cat "$WORK"/server?.log | grep -c 'panicked' || true)
echo "server logs: $panics panics"
[ "$panics" = 0 ] || fail=1
if [ "$fail" != 0 ]; then
  echo "Patroni failover test FAILED"
  tail -20 "$WORK"/server1.log
  exit 1
fi
echo "Patroni failover test passed"
