#!/usr/bin/env bash
# What the limits cost with REDIS_URL: authenticated GET /todo on PostgreSQL, loaded by wrk, as bench/profile-postgres.sh
# but with a private redis-server (never the shared one) and the bench's limits on (allowances past what the load
# reaches). Prints wrk's req/s and the service's CPU per request (every process of it, from /proc), then a CPU profile
# summary (bench/profile-summary.mjs) of each process. On a quiet machine: profiles beside other work show that work.
# Usage: bench/profile-redis.sh [SECONDS, 20] [OUT folder, a fresh temporary one]
#   LIMITS=redis (default) | memory (same limits, no REDIS_URL) | off (the bench's postgres run: no limits)
#   PROFILE=0 measures without --cpu-prof (its sampling costs CPU too); WORKERS=2 for a primary and two workers.
# BENCH_POSTGRES_URL names the server (postgres://postgres@127.0.0.1:5432/postgres); a database is made and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
out=${2:-$(mktemp -d -t todo-profile-redis-XXXXXX)}
mkdir -p "$out"
limits=${LIMITS:-redis}
admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database="todo_profile_redis_$(date +%s)_$$"
url="${admin%/*}/$database"
node scripts/build.mjs --if-stale && npx tsc -p bench/tsconfig.json
redis_port=$((20000 + RANDOM % 20000))
service=''
redis_pid=''
cleanup () {
  if [ -n "$service" ]; then kill -TERM "$service" 2> /dev/null || true; fi
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2> /dev/null || true; fi
  psql "$admin" -qc "drop database if exists $database with (force)"
}
psql "$admin" -qc "create database $database"
trap cleanup EXIT
node --input-type=module -e "
  const { hash } = await import('@node-rs/argon2')
  const { seedDatabase, BENCH_PASSWORD } = await import('./dist/bench/seed.js')
  const { ARGON2_OPTIONS } = await import('./dist/plugins/passwords.js')
  await seedDatabase('$url', { users: 10, tasksPerUser: 100, passwordHash: await hash(BENCH_PASSWORD, ARGON2_OPTIONS) }, console.error)"
flags=$(node -e "console.log(require('./package.json').scripts.serve.replace(/^exec node /, '').replace(/ dist\/server\.js$/, ''))")
# As bench/engines.ts starts postgres+redis: every limit on, allowances that the load never reaches.
case "$limits" in
  redis)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no > "$out/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
    store=(REDIS_URL="redis://127.0.0.1:$redis_port/0" RATE_LIMIT_GLOBAL=100000000 RATE_LIMIT_AUTH=1000000) ;;
  memory) store=(RATE_LIMIT_GLOBAL=100000000 RATE_LIMIT_AUTH=1000000) ;;
  off) store=(RATE_LIMIT_GLOBAL=0 RATE_LIMIT_AUTH=0) ;;
  *) echo "LIMITS must be redis, memory or off" >&2; exit 2 ;;
esac
profile=(--cpu-prof --cpu-prof-dir="$out/get")
if [ "${PROFILE:-1}" = 0 ]; then profile=(); fi
mkdir -p "$out/get"
port=$((20000 + RANDOM % 20000))
# shellcheck disable=SC2086 # the serve script's flags, one word each
env -i PATH="$PATH" DATABASE_URL="$url" PORT=$port HOST=127.0.0.1 LOG_LEVEL=warn LOGIN_FAILURE_LIMIT=1000 \
  ACCESS_TOKEN_TTL=86400 SHUTDOWN_DRAIN_MS=0 WORKERS="${WORKERS:-1}" "${store[@]}" \
  node "${profile[@]}" $flags dist/server.js > "$out/get.log" 2>&1 &
service=$!
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.5; done
token=$(curl -s -X POST -H 'content-type: application/json' -d '{"username":"user0","password":"bench password, not a secret"}' \
  "http://127.0.0.1:$port/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
echo "wrk.headers['Authorization'] = 'Bearer $token'" > "$out/get.lua"
# utime + stime, in clock ticks, of the service's process and of each of its workers: "pid ticks" a line.
process_ticks () {
  local pid
  for pid in $service $(pgrep -P "$service" || true); do echo "$pid $(awk '{ print $14 + $15 }' "/proc/$pid/stat")"; done
}
echo "== GET /todo, LIMITS=$limits WORKERS=${WORKERS:-1}: $seconds s of wrk, 2 threads, 16 connections; load average $(cut -d' ' -f1-3 /proc/loadavg)"
process_ticks > "$out/ticks-before"
wrk -t 2 -c 16 -d "${seconds}s" -s "$out/get.lua" "http://127.0.0.1:$port/todo" > "$out/wrk.txt"
process_ticks > "$out/ticks-after"
grep -E 'Requests/sec|Non-2xx|Socket errors' "$out/wrk.txt" || true
requests=$(awk '/requests in/ { print $1 }' "$out/wrk.txt")
awk -v requests="$requests" -v tick="$(getconf CLK_TCK)" '
  NR == FNR { before[$1] = $2; next }
  { pid[FNR] = $1; used[FNR] = ($2 - before[$1]) * 1e6 / tick / requests; total += used[FNR] }
  END {
    if (FNR > 1) for (i = 1; i <= FNR; i++) printf "  %s %d: %d us/request\n", (i == 1 ? "primary" : "worker"), pid[i], used[i]
    printf "service CPU: %d us/request over %d requests\n", total, requests
  }' "$out/ticks-before" "$out/ticks-after"
kill -TERM "$service"
wait "$service" || true
service=''
if [ "${PROFILE:-1}" != 0 ]; then
  for file in "$out/get"/*.cpuprofile; do echo "-- $file"; node bench/profile-summary.mjs "$file"; done
fi
echo "profiles in $out"
