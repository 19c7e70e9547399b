#!/usr/bin/env bash
# Request rate and p99 of dsync's proxy against nginx as a reverse proxy, in the same run:
#   direct  wrk -> origin (nginx returning a small JSON body, like alpha's /health)
#   nginx   wrk -> nginx proxy (keep-alive upstream pool) -> origin
#   dsync   wrk -> dsync_proxy_standalone -> origin
# Usage: bench/proxy/run_wrk.sh BUILD_DIR [SECONDS] [CONNECTIONS] [WORKERS]
# Everything listens on 127.0.0.1; only the processes this script started are stopped. Prints ratios.
set -euo pipefail
build=${1:?build dir (RelWithDebInfo) containing bench/proxy/dsync_proxy_standalone}
secs=${2:-5}
conns=${3:-32}
workers=${4:-1}
work=$(mktemp -d /tmp/dsync-proxy-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $work/origin.pid ]] && kill "$(cat "$work/origin.pid")" 2>/dev/null || true
  [[ -f $work/proxy.pid ]] && kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
origin_port=$(port)
nginx_port=$(port)
cat >"$work/origin.conf" <<CONF
worker_processes 1; pid $work/origin.pid; error_log $work/origin.err;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$origin_port; location / { return 200 '{"data":{"ok":true}}'; } } }
CONF
cat >"$work/proxy.conf" <<CONF
worker_processes $workers; pid $work/proxy.pid; error_log $work/proxy.err;
events { worker_connections 4096; }
http { access_log off; upstream origin { server 127.0.0.1:$origin_port; keepalive 64; }
  server { listen 127.0.0.1:$nginx_port; location / { proxy_pass http://origin; proxy_http_version 1.1;
    proxy_set_header Connection ""; } } }
CONF
nginx -c "$work/origin.conf" -p "$work"
nginx -c "$work/proxy.conf" -p "$work"
"$build/bench/proxy/dsync_proxy_standalone" 127.0.0.1:0 "http://127.0.0.1:$origin_port" "$workers" >"$work/dsync.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q 'listening on port' "$work/dsync.out" && break; sleep 0.1; done
dsync_port=$(sed -n 's/listening on port //p' "$work/dsync.out")

run() {  # run PORT -> "rps p99_ms"
  wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$1/query" | awk '
    /Requests\/sec/ {rps=$2}
    / 99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
    END {printf "%.0f %.2f\n", rps, p99}'
}
read -r d_rps d_p99 < <(run "$origin_port")
read -r n_rps n_p99 < <(run "$nginx_port")
read -r s_rps s_p99 < <(run "$dsync_port")
printf 'direct  %8s req/s  p99 %6s ms\n' "$d_rps" "$d_p99"
printf 'nginx   %8s req/s  p99 %6s ms  (%.2fx direct)\n' "$n_rps" "$n_p99" "$(echo "$n_rps/$d_rps" | bc -l)"
printf 'dsync   %8s req/s  p99 %6s ms  (%.2fx direct, %.2fx nginx rate, %.2fx nginx p99)\n' "$s_rps" "$s_p99" \
  "$(echo "$s_rps/$d_rps" | bc -l)" "$(echo "$s_rps/$n_rps" | bc -l)" "$(echo "$s_p99/$n_p99" | bc -l)"
