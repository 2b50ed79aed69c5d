#!/usr/bin/env bash
# Generates the TypeScript and Python clients from the checked-in contract
# (openapi/openapi.json). Generated code is not committed.
set -euo pipefail
cd "$(dirname "$0")"

echo "TypeScript: openapi-typescript → typescript/src/schema.d.ts"
(cd typescript && npm ci --no-fund --no-audit --loglevel=error && npm run -s generate)

echo "Python: openapi-python-client → python/generated/"
(
  cd python
  [ -x .venv/bin/openapi-python-client ] || python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
  .venv/bin/openapi-python-client generate --path ../../openapi/openapi.json \
    --config config.yaml --output-path generated --overwrite
  .venv/bin/pip install -q ./generated
)
