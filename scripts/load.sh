#!/usr/bin/env bash
# The load harness: starts `groundswell serve` on a database made by
# `groundswell bench generate`, drives the main user paths with wrk (Debian's `wrk`)
# from concurrent clients, and prints per path the throughput and latency percentiles,
# then the server's peak memory. See BENCHMARKS.md.
#
#   scripts/load.sh                       # the defaults below
#   DB=postgres://… DURATION=30 scripts/load.sh
#
# Environment (defaults): DB (sqlite:/tmp/bench.db), BIN (target/release/groundswell),
# PORT (3400), CLIENTS (16), DURATION (20 seconds per path), THREADS (2), FINDINGS, ISSUES, UNLINKED (the
# sizes given to `bench generate`: 1000000, 20000, 100000), TOKEN_FILE (the API token
# `bench generate --token-file` wrote; /tmp/bench-token), OUT (a Markdown copy of the
# table; none), PATHS (space-separated names of the paths to run; all), INSTANCES (1;
# with 2 or more, that many servers on PORT+1… share the database behind nginx on PORT,
# the scale-out check), REMINDERS_EVERY (0: off; minutes between reminder passes, to
# check that several instances send each reminder once).
set -euo pipefail
cd "$(dirname "$0")/.."

DB="${DB:-sqlite:/tmp/bench.db}"
BIN="${BIN:-target/release/groundswell}"
PORT="${PORT:-3400}"
CLIENTS="${CLIENTS:-16}"
DURATION="${DURATION:-20}"
THREADS="${THREADS:-2}"
FINDINGS="${FINDINGS:-1000000}"
ISSUES="${ISSUES:-20000}"
UNLINKED="${UNLINKED:-100000}"
TOKEN_FILE="${TOKEN_FILE:-/tmp/bench-token}"
OUT="${OUT:-}"
INSTANCES="${INSTANCES:-1}"
REMINDERS_EVERY="${REMINDERS_EVERY:-0}"
ALL="home search finding save issue big-issue link transition pipeline replies departments evidence outcomes briefing"
PATHS="${PATHS:-$ALL}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
LUA="$(pwd)/scripts/load"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no server binary at $BIN (cargo build --release)" >&2; exit 1; }
TOKEN="$(cat "$TOKEN_FILE")"

# The server, without its background passes (they are measured elsewhere) and without
# the API rate limit (the harness is one client measuring throughput); or several
# servers on one database behind nginx, round robin, so a session made on one is used
# on the others.
start_server() { # port
  GROUNDSWELL_REMINDERS_EVERY_MINUTES="$REMINDERS_EVERY" GROUNDSWELL_RECURRENCE_EVERY_MINUTES=0 \
  GROUNDSWELL_API_RATE_PER_MINUTE=0 GROUNDSWELL_API_ADDRESS_RATE_PER_MINUTE=0 \
  GROUNDSWELL_LOG=warn "$BIN" --database-url "$DB" serve --addr "127.0.0.1:$1" >>"$WORK/server.log" 2>&1 &
  SERVERS+=($!)
}
SERVERS=()
NGINX=""
cleanup() {
  for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null || true
  [ -n "${SAMPLER:-}" ] && kill "$SAMPLER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_for() { # url
  for _ in $(seq 1 150); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$WORK/server.log" >&2
  exit 1
}
if [ "$INSTANCES" -le 1 ]; then
  start_server "$PORT"
else
  command -v nginx >/dev/null || { echo "nginx is needed: apt-get install nginx-light" >&2; exit 1; }
  UPSTREAMS=""
  for i in $(seq 1 "$INSTANCES"); do
    start_server "$((PORT + i))"
    wait_for "http://127.0.0.1:$((PORT + i))/healthz"
    UPSTREAMS="$UPSTREAMS server 127.0.0.1:$((PORT + i));"
  done
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream groundswell { $UPSTREAMS keepalive 64; }
  server {
    listen 127.0.0.1:$PORT;
    client_max_body_size 64m;
    location / {
      proxy_pass http://groundswell;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
NGINX
  nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" &
  NGINX=$!
fi
wait_for "$BASE/healthz"
# Peak private memory of each server, sampled: VmHWM also counts the pages of the
# SQLite file it maps (mmap_size), which are the kernel's page cache, not the server's.
( while true; do
    for p in "${SERVERS[@]}"; do
      kb=$(awk '/RssAnon/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
      old=$(cat "$WORK/anon.$p" 2>/dev/null || echo 0)
      [ "${kb:-0}" -gt "$old" ] && echo "$kb" >"$WORK/anon.$p"
    done
    sleep 0.5
  done ) &
SAMPLER=$!

# Signed in as the coordinator (sessions for pages, the token for the API).
JAR="$WORK/cookies"
LOGIN=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login")
CSRF=$(printf '%s' "$LOGIN" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//;s/"//')
curl -s -c "$JAR" -b "$JAR" -o /dev/null \
  --data-urlencode "email=coordinator@bench.example" --data-urlencode "password=bench-password-1" \
  --data-urlencode "csrf_token=$CSRF" "$BASE/login"
COOKIE="gs_session=$(awk '$6 == "gs_session" { print $7 }' "$JAR")"

# What the paths ask for: random findings and issues, search words and filters, new
# findings to save (in communities the API lists), links of unlinked findings,
# transitions of issues still "identified" (the generator puts issues 1, 2, 11, 12, …
# there). Random with a fixed seed, so runs are comparable.
curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/taxonomies" >"$WORK/taxonomies.json"
python3 - "$WORK" "$FINDINGS" "$ISSUES" "$UNLINKED" <<'PY'
import json, random, sys, urllib.parse
work, findings, issues, unlinked = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(7)
tax = json.load(open(f"{work}/taxonomies.json"))
areas = [a["id"] for a in tax.get("policy_areas", tax.get("areas", []))]
places = [l["id"] for l in tax.get("localities", []) if l.get("level") == "community"] or [l["id"] for l in tax.get("localities", [])]
w = lambda name, lines: open(f"{work}/{name}", "w").write("\n".join(lines) + "\n")
w("finding.txt", [f"/findings/{random.randint(1, findings)}" for _ in range(5000)])
w("issue.txt", [f"/issues/{random.randint(2, issues)}" for _ in range(5000)])
w("briefing.txt", [f"/issues/{random.randint(2, issues)}/briefing.docx" for _ in range(2000)])
words = ["补贴", "康复", "养老", "户籍", "subsidy", "allowance", "rehabilitation", "自闭症 补贴", "home care"]
search = []
for _ in range(2000):
    q = {"q": random.choice(words)}
    if random.random() < 0.5 and areas:
        q["area"] = str(random.choice(areas))
    if random.random() < 0.5:
        q["from"] = f"2026-{random.randint(1, 10):02d}-01"
    search.append("/findings?" + urllib.parse.urlencode(q))
w("search.txt", search)
save = []
for i in range(5000):
    body = {"narrative": f"负载测试：社工记录的个案发现 {i}，康复补贴不足。", "policy_area_id": random.choice(areas),
            "locality_id": random.choice(places), "observed_on": "2026-10-01", "people_affected": 1 + i % 4}
    save.append("/api/v1/findings\t" + json.dumps(body, ensure_ascii=False))
w("save.txt", save)
first_unlinked = findings - unlinked + 1
w("link.txt", [f"/api/v1/issues/{random.randint(2, issues)}/findings\t" + json.dumps({"finding_ids": [random.randint(first_unlinked, findings)]}) for _ in range(5000)])
identified = [i for i in range(2, issues + 1) if (i - 1) % 10 in (0, 1)]
random.shuffle(identified)
w("transition.txt", [f"/api/v1/issues/{i}/transitions\t" + json.dumps({"move": "start_drafting", "from": "identified"}) for i in identified])
PY

# CPU time used by the server processes so far, in clock ticks.
cpu_ticks() {
  local t=0
  for p in "${SERVERS[@]}"; do
    t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
TICK_MS=$((1000 / $(getconf CLK_TCK)))
row() { # name, server CPU ticks used; then wrk's output on stdin
  awk -v name="$1" -v ticks="$2" -v tick_ms="$TICK_MS" '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx or 3xx responses/ { bad = $5 }
    /Socket errors/ { gsub(",", ""); timeouts = $NF }
    /requests in/ { total = $1 }
    END { cpu = (total > 0 ? sprintf("%.2fms", ticks * tick_ms / total) : "-")
          printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, total, rps, p50, p90, p99, cpu, (bad == "" ? 0 : bad) + timeouts }'
}
# Runs wrk (its arguments), then prints the row for path $NAME with the server's CPU.
measure() {
  local before after
  before=$(cpu_ticks)
  # A request unanswered after 10 s counts as failed (wrk's own limit is 2 s).
  wrk --timeout 10s "$@" >"$WORK/wrk.out"
  after=$(cpu_ticks)
  row "$NAME" $((after - before)) <"$WORK/wrk.out"
}
get() { # name, path (fixed)
  NAME="$1" measure -t"$THREADS" -c"$CLIENTS" -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$BASE$2"
}
get_random() { # name, file of paths
  PATHS_FILE="$WORK/$2" NAME="$1" measure -t"$THREADS" -c"$CLIENTS" -d"${DURATION}s" --latency \
    -H "Cookie: $COOKIE" -s "$LUA/paths.lua" "$BASE/"
}
post() { # name, file of PATH<TAB>JSON
  BODIES_FILE="$WORK/$2" TOKEN="$TOKEN" NAME="$1" measure -t"$THREADS" -c"$CLIENTS" -d"${DURATION}s" \
    --latency -s "$LUA/post.lua" "$BASE/"
}

{
  echo "| Path | Requests | Requests/s | p50 | p90 | p99 | Server CPU per request | Not 2xx/3xx or timed out |"
  echo "|---|---|---|---|---|---|---|---|"
  for p in $PATHS; do
    case "$p" in
      home) get "home page /" "/" ;;
      search) get_random "findings search with filters" search.txt ;;
      finding) get_random "a finding's page" finding.txt ;;
      save) post "save a finding (API)" save.txt ;;
      issue) get_random "an issue's page" issue.txt ;;
      big-issue) get "the issue with the largest summary" "/issues/1" ;;
      link) post "link a finding (API)" link.txt ;;
      transition) post "a stage transition (API)" transition.txt ;;
      pipeline) get "pipeline dashboard" "/dashboards/pipeline" ;;
      replies) get "replies dashboard" "/dashboards/replies" ;;
      departments) get "departments dashboard" "/dashboards/departments" ;;
      evidence) get "evidence dashboard" "/dashboards/evidence" ;;
      outcomes) get "outcomes dashboard" "/dashboards/outcomes" ;;
      briefing) get_random "briefing DOCX" briefing.txt ;;
      *) echo "unknown path $p" >&2; exit 2 ;;
    esac
  done
} | tee "$WORK/table.md"
PEAKS=""
for p in "${SERVERS[@]}"; do
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
  anon=$(cat "$WORK/anon.$p" 2>/dev/null || echo 0)
  PEAKS="$PEAKS $((anon / 1024)) MB private ($((hwm / 1024)) MB with mapped database pages);"
done
SUMMARY="Server peak memory:$PEAKS $INSTANCES instance(s), $CLIENTS clients, ${DURATION} s per path, $DB"
echo
echo "$SUMMARY"
if [ -n "$OUT" ]; then
  { cat "$WORK/table.md"; echo; echo "$SUMMARY"; } >"$OUT"
fi
