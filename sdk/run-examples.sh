#!/usr/bin/env bash
# Type-checks the TypeScript client and runs both quick-start examples against a live server.
# Needs HAMKKE_URL, HAMKKE_USERNAME and HAMKKE_PASSWORD; run ./generate.sh first.
set -euo pipefail
cd "$(dirname "$0")"
: "${HAMKKE_URL:?}" "${HAMKKE_USERNAME:?}" "${HAMKKE_PASSWORD:?}"

echo "TypeScript: type-check and run examples/quickstart.ts"
(cd typescript && npm run -s typecheck && npm run -s build && npm run -s example)

echo "Python: run examples/quickstart.py"
python/.venv/bin/python python/examples/quickstart.py
