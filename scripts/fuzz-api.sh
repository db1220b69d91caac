#!/usr/bin/env bash
# API fuzzing with Schemathesis: starts `groundswell serve` on a freshly seeded Ningbo
# demo (SQLite, in a temporary folder), creates an API token for the coordinator and
# runs `schemathesis run` against /api/openapi.json with it. Fails on any 5xx and on
# any response that the OpenAPI document does not describe (status, content type,
# schema). See docs/SECURITY-TESTING.md.
#
#   scripts/fuzz-api.sh                       # the defaults below
#   EXAMPLES=200 MAX_TIME=600 scripts/fuzz-api.sh
#
# Environment (defaults): BIN (target/debug/groundswell), PORT (3493), EXAMPLES (cases
# per operation and phase: 25), MAX_TIME (seconds for the whole run: 150), SEED (1, so
# runs are reproducible), VENV (target/fuzz-venv: Schemathesis is installed there with
# pip on first use), AS (the demo login whose token is used: admin@demo.groundswell, who may call every operation).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
BIN="${BIN:-target/debug/groundswell}"
PORT="${PORT:-3493}"
EXAMPLES="${EXAMPLES:-25}"
MAX_TIME="${MAX_TIME:-150}"
SEED="${SEED:-1}"
VENV="${VENV:-target/fuzz-venv}"
AS="${AS:-admin@demo.groundswell}"
BASE="http://127.0.0.1:$PORT"

[ -x "$BIN" ] || { echo "no server binary at $BIN (cargo build)" >&2; exit 1; }
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK="$(mktemp -d)"
DB="sqlite:$WORK/fuzz.db"
"$BIN" --database-url "$DB" seed --demo --lang en >/dev/null
TOKEN="$("$BIN" --database-url "$DB" token create --email "$AS" --label fuzz | grep -o 'gs_[0-9a-f]*' | head -n1)"

# No background passes and no API rate limit: the fuzzer is the only client.
GROUNDSWELL_REMINDERS_EVERY_MINUTES=0 GROUNDSWELL_RECURRENCE_EVERY_MINUTES=0 \
GROUNDSWELL_API_RATE_PER_MINUTE=0 GROUNDSWELL_API_ADDRESS_RATE_PER_MINUTE=0 GROUNDSWELL_LOG=warn \
  "$BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$BASE/healthz" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

status=0
"$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
  --url "$BASE" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" \
  --max-time "$MAX_TIME" \
  --seed "$SEED" \
  --workers 2 \
  --no-color \
  --report junit --report-junit-path "$WORK/junit.xml" || status=$?

if [ "$status" -ne 0 ]; then
  echo "== server log (errors)" >&2
  grep -E 'ERROR|panicked' "$WORK/server.log" | tail -n 40 >&2 || true
fi
exit "$status"
