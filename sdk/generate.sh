#!/usr/bin/env bash
# Generates the three clients from the checked-in contract (openapi/openapi.json): TypeScript
# (openapi-typescript), Python (openapi-python-client) and a third from a generator the project
# does not tailor for (openapi-generator's typescript-axios). Generated code is not committed.
set -euo pipefail
cd "$(dirname "$0")"

echo "TypeScript: openapi-typescript → typescript/src/schema.d.ts"
(cd typescript && npm ci --no-fund --no-audit --loglevel=error && npm run -s generate)

echo "Python: openapi-python-client → python/generated/"
(
  cd python
  [ -x .venv/bin/openapi-python-client ] || python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
  # Every operation and answer must be generated: a warning means the contract lost something.
  .venv/bin/openapi-python-client generate --path ../../openapi/openapi.json \
    --config config.yaml --output-path generated --overwrite 2>&1 | tee generator.log
  if grep -q "WARNING" generator.log; then
    echo "openapi-python-client skipped parts of the contract (see above)" >&2
    exit 1
  fi
  .venv/bin/pip install -q ./generated
)

echo "TypeScript (axios): openapi-generator typescript-axios → axios/generated/"
(
  cd axios
  if ! command -v java > /dev/null; then
    apt-get install -y -q default-jre-headless > /dev/null
  fi
  [ -x .venv/bin/openapi-generator-cli ] || python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
  rm -rf generated
  .venv/bin/openapi-generator-cli generate -i ../../openapi/openapi.json -g typescript-axios \
    -o generated --additional-properties=useSingleRequestParameter=true,supportsES6=true,importFileExtension=.js \
    > generator.log 2>&1 || { cat generator.log; exit 1; }
  npm ci --no-fund --no-audit --loglevel=error
)
