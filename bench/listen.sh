#!/usr/bin/env bash
# Throughput, p99 latency and memory of `listen` against adnanh/webhook doing
# the same job (verify an HMAC-SHA256 X-Signature over a 1 KiB body, answer),
# in the same run, with wrk at 50 connections. Logging stays on for `listen`.
#
#   bench/listen.sh [SECONDS]        (needs: wrk, webhook, openssl; Debian: apt-get install wrk webhook openssl)
#
# Prints each tool's requests/s, p99 and peak RSS, then the ratio. Only
# addresses on 127.0.0.1 are used.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
for tool in wrk webhook openssl; do
  command -v "$tool" >/dev/null || { echo "bench/listen.sh needs $tool (apt-get install $tool)" >&2; exit 2; }
done

cargo build --release -q
bin=target/release/techrar-hooks
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

secret=bench-secret-not-a-real-one
# A 1 KiB envelope, like a real order event.
python3 - "$work/body.json" <<'PY'
import sys
head = '{"app_id":3,"timestamp":1733300000,"event":"m.order.completed","data":{"order_id":786980,"note":"'
tail = '"}}'
open(sys.argv[1], "w").write(head + "x" * (1024 - len(head) - len(tail)) + tail)
PY
signature=$(openssl dgst -sha256 -hmac "$secret" < "$work/body.json" | awk '{print $NF}')
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Signature"] = "$signature"
local f = io.open("$work/body.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# listen, logging every request
TECHRAR_WEBHOOK_SECRET=$secret "$bin" listen --port 0 --log "$work/events.jsonl" --print none \
  2> "$work/listen.err" > /dev/null &
pids+=($!); listen_pid=$!
until grep -q 'listening on http://' "$work/listen.err"; do sleep 0.05; done
listen_url=$(grep -o 'http://[0-9.:]*' "$work/listen.err" | head -1)/

# adnanh/webhook with a payload-hmac-sha256 rule
webhook_port=$(free_port)
cat > "$work/hooks.json" <<JSON
[{"id": "techrar", "execute-command": "/bin/true", "response-message": "ok",
  "trigger-rule": {"match": {"type": "payload-hmac-sha256", "secret": "$secret",
                             "parameter": {"source": "header", "name": "X-Signature"}}}}]
JSON
webhook -hooks "$work/hooks.json" -ip 127.0.0.1 -port "$webhook_port" > "$work/webhook.log" 2>&1 &
pids+=($!); webhook_pid=$!
webhook_url="http://127.0.0.1:$webhook_port/hooks/techrar"
until curl -s -o /dev/null -X POST "$webhook_url"; do sleep 0.05; done

# Both must accept the signed body before being measured.
for url in "$listen_url" "$webhook_url"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Signature: $signature" --data-binary @"$work/body.json" "$url")
  [ "$code" = 200 ] || { echo "$url answered $code to a valid delivery" >&2; exit 1; }
done

measure() { # name url pid
  local out rps p99 rss
  out=$(wrk -t2 -c50 -d"${seconds}s" --latency -s "$work/post.lua" "$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  rss=$(awk '/^VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$3/status")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-8s %10s req/s   p99 %-9s peak RSS %-10s non-2xx %s\n' "$1" "$rps" "$p99" "$rss" "${non2xx:-0}" >&2
  echo "$rps"
}

echo "wrk -t2 -c50 -d${seconds}s --latency, 1 KiB signed body, $(nproc) cores" >&2
ours=$(measure listen "$listen_url" "$listen_pid")
peer=$(measure webhook "$webhook_url" "$webhook_pid")
records=$(wc -l < "$work/events.jsonl")
echo "listen logged $records records" >&2
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "throughput ratio listen/webhook: %.1fx (goal: 3x)\n", a / b }'
