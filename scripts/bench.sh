#!/usr/bin/env bash
# The one command for dsync's benchmarks: builds dsync (Release) and the micro-benchmarks, builds the original-tool
# stand-in (cached), starts the real servers (Ceph RGW, MinIO over TLS, Dgraph v25.4.0) unless they are already
# up, runs the sections side by side and writes docs/BENCHMARKS.md. Ratios, not absolute times, are the result.
# Not a test: it never fails on speed, only when the harness itself cannot run.
#
#   scripts/bench.sh                        every section, 3 rounds (about 30 minutes on 2 cores)
#   scripts/bench.sh --quick                short sanity run (small files, 1 round, 3 s wrk runs; ~5 minutes),
#                                           written to <build>/results-quick/BENCHMARKS.md, not docs/
#   scripts/bench.sh --rounds 5 upload      one or more sections: upload proxy reaction micro
#
# Environment: DSYNC_BENCH_BUILD (build folder, default build/bench), DSYNC_BENCH_TESTENV (server state, default
# build/testenv-bench), DSYNC_CACHE_DIR (default ~/.cache/dsync), DSYNC_JOBS (default 2),
# DSYNC_BENCH_TIMEOUT (seconds for the whole harness, default 5400; --quick: 1200).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${DSYNC_BENCH_BUILD:-$REPO/build/bench}
CACHE=${DSYNC_CACHE_DIR:-$HOME/.cache/dsync}
JOBS=${DSYNC_JOBS:-2}
export DSYNC_TESTENV_DIR=${DSYNC_BENCH_TESTENV:-$REPO/build/testenv-bench}
RESULTS=$BUILD/results
export PYTHONDONTWRITEBYTECODE=1

log() { printf 'bench.sh: %s\n' "$*" >&2; }

args=() quick=0 sections=()
while (($#)); do
  case $1 in
    --quick) quick=1; args+=(--quick) ;;
    --rounds) args+=(--rounds "$2"); shift ;;
    --no-profile) args+=(--no-profile) ;;
    upload | proxy | reaction | micro) sections+=("$1") ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) log "unknown argument $1"; exit 2 ;;
  esac
  shift
done
((${#sections[@]})) || sections=(upload proxy reaction micro)
TIMEOUT=${DSYNC_BENCH_TIMEOUT:-$((quick ? 1200 : 5400))}

"$REPO/scripts/setup.sh"

# dsync and the Google Benchmark binaries, Release. Tests are not needed here.
mkdir -p "$BUILD"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDSYNC_BUILD_TESTS=OFF >"$BUILD/cmake.log" 2>&1 ||
  { tail -30 "$BUILD/cmake.log" >&2; log "cmake failed"; exit 1; }
dsync_bin=""
if ninja -C "$BUILD" -t targets all | grep -q '^dsync:'; then
  if ninja -C "$BUILD" -j "$JOBS" dsync >"$BUILD/build-dsync.log" 2>&1; then
    dsync_bin=$(find "$BUILD/src/cli" -maxdepth 1 -type f -name dsync -perm -u+x | head -1)
  else
    tail -20 "$BUILD/build-dsync.log" >&2
    log "dsync did not build: the competitors are measured without it"
  fi
else
  log "no dsync target yet: the competitors are measured without it"
fi
ninja -C "$BUILD" -j "$JOBS" bench/all >"$BUILD/build-bench.log" 2>&1 ||
  { tail -20 "$BUILD/build-bench.log" >&2; log "some micro-benchmarks did not build"; }

# The original-tool stand-in, cached by a hash of its go.mod and sources.
standin_src=$REPO/bench/original-standin
hash=$(cat "$standin_src"/go.mod "$standin_src"/go.sum "$standin_src"/*.go | sha256sum | cut -c1-16)
standin=$CACHE/bin/original-standin-$hash/original-standin
if [[ ! -x $standin ]]; then
  log "building the original-tool stand-in (first time only)"
  mkdir -p "$(dirname "$standin")"
  (cd "$standin_src" && go build -trimpath -o "$standin.tmp" .) && mv "$standin.tmp" "$standin"
fi

# Python with boto3 (the harness verifies every uploaded object with it).
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import boto3' 2>/dev/null; then py=$p; break; fi
done
[[ -n $py ]] || { log "no python3 with boto3 (apt-get install python3-boto3)"; exit 1; }

env_file=""
if [[ " ${sections[*]} " =~ \ (upload|proxy|reaction)\  ]]; then
  started=0
  env_file="$DSYNC_TESTENV_DIR/env"
  status=$("$REPO/scripts/testenv.sh" status 2>/dev/null || true)  # captured: grep -q + pipefail = SIGPIPE
  if ! { [[ -f $env_file ]] && grep -q '^rgw: running' <<<"$status" && grep -q '^minio: running' <<<"$status" &&
    grep -q '^dgraph-alpha1: running' <<<"$status"; }; then
    started=1
    trap '"$REPO/scripts/testenv.sh" down >/dev/null 2>&1 || true' EXIT
    # RGW's bluestore lives in a sparse file that only grows; a full run writes ~50 GiB through it. A 16 GiB
    # device makes bluestore reuse freed space instead of growing the file towards the default 60 GiB.
    CEPH_ARGS="${CEPH_ARGS:-} --bluestore_block_size=17179869184" "$REPO/scripts/testenv.sh" up rgw minio dgraph >/dev/null
  fi
  ((started)) || log "reusing the servers already running in $DSYNC_TESTENV_DIR"
fi

# A quick run keeps its results and its Markdown apart, so it never overwrites the real table.
doc=$REPO/docs/BENCHMARKS.md
if ((quick)); then RESULTS=$BUILD/results-quick; doc=$RESULTS/BENCHMARKS.md; fi
mkdir -p "$RESULTS"
timeout --signal=TERM --kill-after=60 "$TIMEOUT" "$py" "$REPO/bench/harness/run.py" "${args[@]}" \
  ${env_file:+--env "$env_file"} ${dsync_bin:+--dsync "$dsync_bin"} --standin "$standin" --build "$BUILD" \
  --results "$RESULTS" --doc "$doc" "${sections[@]}"
