# Sourced by CI steps: starts the debug server on a temporary SQLite database seeded with the
# demo district and exports HAMKKE_URL, DEMO_USERS (a file of `username password role` lines)
# and demo_password(). The server stops when the sourcing shell exits.
demo_dir=$(mktemp -d)
demo_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
demo_bin="${CARGO_TARGET_DIR:-target}/debug/hamkke"
cargo build -q --locked --bin hamkke
export DATABASE_URL="sqlite://$demo_dir/hamkke.db" HAMKKE_DATA_DIR="$demo_dir" \
  HAMKKE_BIND="127.0.0.1:$demo_port" HAMKKE_LOG=warn
export HAMKKE_URL="http://127.0.0.1:$demo_port" DEMO_USERS="$demo_dir/users"
"$demo_bin" seed-demo > "$DEMO_USERS"
"$demo_bin" serve > "$demo_dir/server.log" 2>&1 &
demo_pid=$!
trap 'kill $demo_pid 2>/dev/null || true; rm -rf "$demo_dir"' EXIT
for _ in $(seq 1 50); do
  curl -sf "$HAMKKE_URL/readyz" > /dev/null && break
  sleep 0.2
done
curl -sf "$HAMKKE_URL/readyz" > /dev/null || { cat "$demo_dir/server.log"; exit 1; }
demo_password() { awk -v u="$1" '$1 == u { print $2 }' "$DEMO_USERS"; }
