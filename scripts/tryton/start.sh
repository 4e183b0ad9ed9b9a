#!/usr/bin/env bash
# Starts trytond on 127.0.0.1 in the background with a copy of the seeded database and waits until
# it answers. Usage: start.sh <data-dir> [port]  (port: TRYTON_PORT, else a free one). Reuses the
# database already in <data-dir>. Prints the URL; the pid is in <data-dir>/trytond.pid, the log in
# <data-dir>/trytond.log. Stop it with: kill "$(cat <data-dir>/trytond.pid)".
# TRYTON_FOREGROUND=1 runs trytond in the foreground instead (a container's main process), and
# TRYTON_LISTEN_HOST (default 127.0.0.1) picks the address it listens on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: start.sh <data-dir> [port]}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
seeded="$("$here/setup.sh")"
[ -s "$dir/pleo.sqlite" ] || cp "$seeded" "$dir/pleo.sqlite"
port="${2:-${TRYTON_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}}"
printf '[database]\nuri = sqlite://\npath = %s\n[web]\nlisten = %s:%s\n' "$dir" "${TRYTON_LISTEN_HOST:-127.0.0.1}" "$port" > "$dir/trytond.conf"
# One request at a time (serve.py): on SQLite, concurrent requests would number moves twice.
serve=(/usr/bin/python3 -W ignore "$here/serve.py" "$dir/trytond.conf" pleo)
if [ "${TRYTON_FOREGROUND:-0}" = 1 ]; then exec "${serve[@]}"; fi
nohup "${serve[@]}" >"$dir/trytond.log" 2>&1 &
echo $! > "$dir/trytond.pid"
url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -sf -o /dev/null -X POST -H 'content-type: application/json' \
      -d '{"id":0,"method":"common.server.version","params":[]}' "$url/"; then
    echo "$url"; exit 0
  fi
  kill -0 "$(cat "$dir/trytond.pid")" 2>/dev/null || { cat "$dir/trytond.log" >&2; exit 1; }
  sleep 0.5
done
echo "tryton: trytond did not answer on $url within 60 s" >&2
kill "$(cat "$dir/trytond.pid")" 2>/dev/null || true
exit 1
