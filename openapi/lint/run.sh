#!/usr/bin/env bash
# Lints the checked-in contract: Redocly CLI with its recommended rules and Spectral with
# spectral:oas. Fails on any error, and on Spectral's operation-description and
# operation-tag-defined warnings (every operation is described, every tag declared).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-fund --no-audit --loglevel=error
contract=../openapi.json

echo "Redocly (recommended):"
npx --no-install redocly lint "$contract" --config redocly.yaml --format=stylish 2>&1 \
  | grep -v -e '^\s*$' -e '║' -e '╔' -e '╚' | tail -20

echo "Spectral (spectral:oas):"
out=$(npx --no-install spectral lint "$contract" --ruleset .spectral.yaml --fail-severity=error 2>&1) || {
  echo "$out"
  exit 1
}
echo "$out" | tail -5
if echo "$out" | grep -qE 'operation-description|operation-tag-defined'; then
  echo "every operation needs a description and a declared tag" >&2
  exit 1
fi
