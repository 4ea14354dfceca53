#!/usr/bin/env bash
# Starts the service the way the README says (npm start), on a throwaway SQLite file, and walks the README's curl tour.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
# A free port of its own, so a server left over from another run can never answer in its place.
port=${SMOKE_PORT:-$(node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")}
base="http://127.0.0.1:${port}"
DATABASE_URL="sqlite:${dir}/smoke.db" PORT=$port ADMIN_USERNAME=admin ADMIN_PASSWORD='smoke-admin-passphrase' LOG_LEVEL=warn npm start >"${dir}/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT

for _ in $(seq 1 60); do curl -sf "$base/health" >/dev/null && break; sleep 1; done
curl -sf "$base/health" >/dev/null && kill -0 "$server" 2>/dev/null || { cat "${dir}/server.log"; echo "smoke: the server did not come up" >&2; exit 1; }

expect () { # expect STATUS METHOD PATH [curl args...]
  local want=$1 method=$2 path=$3; shift 3
  local got; got=$(curl -s -o "${dir}/body" -w '%{http_code}' -X "$method" "$base$path" "$@")
  if [ "$got" != "$want" ]; then echo "smoke: $method $path answered $got, expected $want: $(cat "${dir}/body")" >&2; exit 1; fi
  cat "${dir}/body"
}
json=(-H 'content-type: application/json')
field () { node -e "process.stdout.write(String(JSON.parse(require('fs').readFileSync(0, 'utf8'))['$1']))"; }

expect 201 POST /register "${json[@]}" -d '{"username":"alice","password":"correct horse battery","name":"Alice"}' >/dev/null
tokens=$(expect 200 POST /login "${json[@]}" -d '{"username":"alice","password":"correct horse battery"}')
access=$(field access_token <<<"$tokens"); refresh=$(field refresh_token <<<"$tokens")
auth=(-H "authorization: Bearer $access")
expect 200 GET /profile "${auth[@]}" >/dev/null
expect 403 GET /admin_only "${auth[@]}" >/dev/null
expect 201 POST /todo "${auth[@]}" "${json[@]}" -d '{"title":"Buy milk","due":"2026-12-01"}' >/dev/null
expect 200 GET /todo "${auth[@]}" >/dev/null
expect 200 GET /todo/DESC >/dev/null
admin=$(expect 200 POST /login "${json[@]}" -d '{"username":"admin","password":"smoke-admin-passphrase"}' | field access_token)
expect 200 GET /admin_only -H "authorization: Bearer $admin" >/dev/null
expect 200 PUT /todo/mark/1/1 -H "authorization: Bearer $admin" >/dev/null
pair=$(expect 200 POST /refresh "${json[@]}" -d "{\"refresh_token\":\"$refresh\"}")
expect 204 POST /logout -H "authorization: Bearer $(field access_token <<<"$pair")" >/dev/null
expect 200 GET /.well-known/jwks.json >/dev/null
expect 200 GET /ready >/dev/null
expect 200 GET /docs/json >/dev/null
echo "smoke: npm start serves the README's tour"
