#!/usr/bin/env bash
# `send --repeat` against wrk: both POST the same signed body to the same
# minimal local server (examples/bench_server.rs), in the same run, and the
# script prints both rates and their ratio. Needs wrk on PATH.
#
#   bench/send-vs-wrk.sh                 # 20000 deliveries, concurrency 64, 3 rounds
#   N=50000 C=32 ROUNDS=5 bench/send-vs-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-20000}
C=${C:-64}
SECONDS_WRK=${SECONDS_WRK:-3}
ROUNDS=${ROUNDS:-3}
export TECHRAR_WEBHOOK_SECRET=bench-secret

command -v wrk >/dev/null || { echo "error: wrk is not on PATH (apt-get install wrk)" >&2; exit 2; }
cargo build --release --quiet --bin techrar-hooks --example bench_server
bin=target/release/techrar-hooks
work=$(mktemp -d)

# The server prints its address when it listens: read that line, no sleeping.
exec 3< <(target/release/examples/bench_server)
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
read -r addr <&3
url="http://$addr/"

# The request send would make, for wrk to repeat: its body and signature.
"$bin" send order.created --to "$url" --timestamp 1764849600 --dry-run >"$work/request" 2>/dev/null
body=$(tail -n1 "$work/request")
signature=$(sed -n 's/^X-Signature: //p' "$work/request")
python3 - "$work/post.lua" "$body" "$signature" <<'PY'
import sys
path, body, signature = sys.argv[1:]
with open(path, "w") as f:
    f.write('wrk.method = "POST"\n')
    f.write(f"wrk.body = [==[{body}]==]\n")  # a long bracket: no escapes to get wrong
    f.write('wrk.headers["Content-Type"] = "application/json"\n')
    f.write(f'wrk.headers["X-Signature"] = "{signature}"\n')
PY

# Alternate the two, ROUNDS times, so a busy neighbour slows both alike; report medians.
for round in $(seq "$ROUNDS"); do
  wrk -t2 -c"$C" -d"${SECONDS_WRK}s" -s "$work/post.lua" "$url" | awk '/^Requests\/sec:/ {print $2}' >>"$work/wrk"
  # The summary's first line: "✔ N deliveries of … in S s: R deliveries/s, concurrency C".
  "$bin" send order.created --to "$url" --repeat "$N" --concurrency "$C" \
    | sed -n 's/.* s: \([0-9.]*\) deliveries\/s.*/\1/p' >>"$work/send"
done
median() { sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
wrk_rate=$(median "$work/wrk")
send_rate=$(median "$work/send")

python3 - "$wrk_rate" "$send_rate" "$N" "$C" <<'PY'
import sys
wrk, send, n, c = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"wrk -t2 -c{c}:                       {wrk:10.0f} requests/s (median)")
print(f"send --repeat {n} --concurrency {c}: {send:10.0f} deliveries/s (median; each body distinct and signed)")
print(f"ratio send/wrk:                    {send / wrk:10.2f}")
PY
