#!/usr/bin/env bash
# CPU profiles (node --cpu-prof) of authenticated GET /todo and POST /todo on PostgreSQL, one service each, loaded by wrk,
# summarized by bench/profile-summary.mjs. On a quiet machine: profiles taken beside other work show mostly that work.
# Usage: bench/profile-postgres.sh [SECONDS per profile, 20] [OUT folder, a fresh temporary one]
# BENCH_POSTGRES_URL names the server (postgres://postgres@127.0.0.1:5432/postgres); a database is made and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
out=${2:-$(mktemp -d -t todo-profile-XXXXXX)}
admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database="todo_profile_$(date +%s)_$$"
url="${admin%/*}/$database"
node scripts/build.mjs --if-stale && npx tsc -p bench/tsconfig.json
psql "$admin" -qc "create database $database"
trap 'psql "$admin" -qc "drop database if exists $database with (force)"' EXIT
node --input-type=module -e "
  const { hash } = await import('@node-rs/argon2')
  const { seedDatabase, BENCH_PASSWORD } = await import('./dist/bench/seed.js')
  const { ARGON2_OPTIONS } = await import('./dist/plugins/passwords.js')
  await seedDatabase('$url', { users: 10, tasksPerUser: 100, passwordHash: await hash(BENCH_PASSWORD, ARGON2_OPTIONS) }, console.error)"
flags=$(node -e "console.log(require('./package.json').scripts.serve.replace(/^exec node /, '').replace(/ dist\/server\.js$/, ''))")
for scenario in get post; do
  mkdir -p "$out/$scenario"
  port=$((20000 + RANDOM % 20000))
  # As the bench starts the service: limits off, so that the load is never refused.
  env -i PATH="$PATH" DATABASE_URL="$url" PORT=$port HOST=127.0.0.1 LOG_LEVEL=warn RATE_LIMIT_AUTH=0 RATE_LIMIT_GLOBAL=0 \
    LOGIN_FAILURE_LIMIT=1000 ACCESS_TOKEN_TTL=86400 SHUTDOWN_DRAIN_MS=0 \
    node --cpu-prof --cpu-prof-dir="$out/$scenario" $flags dist/server.js > "$out/$scenario.log" 2>&1 &
  service=$!
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.5; done
  token=$(curl -s -X POST -H 'content-type: application/json' -d '{"username":"user0","password":"bench password, not a secret"}' \
    "http://127.0.0.1:$port/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  {
    echo "wrk.headers['Authorization'] = 'Bearer $token'"
    if [ "$scenario" = post ]; then
      echo "wrk.method = 'POST'"
      echo "wrk.headers['Content-Type'] = 'application/json'"
      echo "wrk.body = '{\"title\":\"Written by the bench\",\"description\":\"One of many\",\"due\":\"2026-12-01\"}'"
    fi
  } > "$out/$scenario.lua"
  echo "== $scenario /todo: $seconds s of wrk, 2 threads, 16 connections"
  wrk -t 2 -c 16 -d "${seconds}s" -s "$out/$scenario.lua" "http://127.0.0.1:$port/todo" | grep -E 'Requests/sec|Non-2xx|Socket errors' || true
  kill -TERM $service
  wait $service || true
  node bench/profile-summary.mjs "$out/$scenario"/*.cpuprofile
done
echo "profiles in $out"
