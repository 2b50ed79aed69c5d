#!/usr/bin/env bash
# Type-checks the TypeScript clients and runs the three quick-start examples against a live
# server. Needs HAMKKE_URL, HAMKKE_USERNAME and HAMKKE_PASSWORD (a dong centre's caseworker) and,
# for the axios example's reports, HAMKKE_COORDINATOR_PASSWORD (HAMKKE_COORDINATOR_USERNAME,
# default demo.coordinator); run ./generate.sh first.
set -euo pipefail
cd "$(dirname "$0")"
: "${HAMKKE_URL:?}" "${HAMKKE_USERNAME:?}" "${HAMKKE_PASSWORD:?}" "${HAMKKE_COORDINATOR_PASSWORD:?}"

echo "TypeScript: type-check and run examples/quickstart.ts"
(cd typescript && npm run -s typecheck && npm run -s build && npm run -s example)

echo "Python: run examples/quickstart.py"
python/.venv/bin/python python/examples/quickstart.py

echo "TypeScript (axios): strict type-check and run examples/quickstart.ts"
(cd axios && npm run -s typecheck && npm run -s build && npm run -s example)
