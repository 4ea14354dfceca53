#!/usr/bin/env bash
# Runs the README's walk-through as written: its start command on a throwaway SQLite file and a free port, then its
# curl blocks in order, checking each answer's status against the "# -> STATUS" comment the README shows beside it.
# The commands are read from README.md itself (between the walk-through markers), so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "smoke: the README's walk-through uses jq; install it (apt-get install -y jq)" >&2; exit 1; }
dir=$(mktemp -d)

# The fenced sh blocks between the markers: the first one starts the service, the others are the tour.
walk=$(sed -n '/<!-- walk-through:start/,/<!-- walk-through:end -->/p' README.md)
blocks () { awk -v want="$1" '/^```sh$/ { n++; inside = 1; next } /^```$/ { inside = 0; next } inside && (want == "start" ? n == 1 : n > 1)'; }
start=$(blocks start <<<"$walk")
tour=$(blocks tour <<<"$walk")
[ -n "$start" ] && grep -q 'npm start' <<<"$start" || { echo "smoke: README.md has no walk-through start block with npm start" >&2; exit 1; }
grep -qx 'API=http://127.0.0.1:3000' <<<"$tour" || { echo "smoke: the README's tour must set API=http://127.0.0.1:3000" >&2; exit 1; }

# A free port of its own, so a server left over from another run can never answer in its place.
port=${SMOKE_PORT:-$(node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")}
base="http://127.0.0.1:${port}"
export DATABASE_URL="sqlite:${dir}/smoke.db" PORT=$port LOG_LEVEL=warn
bash -c "$start" >"${dir}/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT

# npm start builds first when a source changed: minutes on a busy machine, so wait while the process lives.
for _ in $(seq 1 300); do curl -sf "$base/health" >/dev/null && break; kill -0 "$server" 2>/dev/null || break; sleep 1; done
curl -sf "$base/health" >/dev/null && kill -0 "$server" 2>/dev/null || { cat "${dir}/server.log"; echo "smoke: the server did not come up" >&2; exit 1; }

# The tour, with the README's base URL pointed at this server and every curl's status written to a file of its own.
{
  echo 'set -euo pipefail'
  echo "curl () { command curl -w '%{stderr}%{http_code}\\n' \"\$@\" 2>>'${dir}/statuses'; }"
  sed "s#^API=http://127.0.0.1:3000\$#API=${base}#" <<<"$tour"
} >"${dir}/tour.sh"
: >"${dir}/statuses"
(cd "$dir" && bash tour.sh) >"${dir}/tour.out" 2>&1 || { cat "${dir}/tour.out"; echo "smoke: the README's tour stopped with an error" >&2; exit 1; }

expected=$(grep -oE '# -> [0-9]{3}' <<<"$tour" | cut -c6-)
if [ "$(cat "${dir}/statuses")" != "$expected" ]; then
  paste <(echo "$expected") "${dir}/statuses" | nl | awk '$2 != $3 { print "smoke: request " $1 " of the README tour answered " $3 ", the README says " $2 }' >&2
  [ "$(wc -l <"${dir}/statuses")" = "$(wc -l <<<"$expected")" ] || echo "smoke: $(wc -l <"${dir}/statuses") requests made, $(wc -l <<<"$expected") statuses in the README" >&2
  cat "${dir}/tour.out"; exit 1
fi
echo "smoke: the README's walk-through works as written ($(wc -l <<<"$expected") requests, each with the status it shows)"
