#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs dependencies, builds (warnings are errors), starts the real
# test servers (Ceph RGW, MinIO over TLS, Dgraph v25.4.0 single- and two-group), runs the `unit` and
# `integration` ctest labels, and tears the servers down. Exits non-zero on any failure.
#
#   scripts/test.sh            build + unit + integration (what CI runs)
#   scripts/test.sh --full     also the sanitizer builds (ASan+UBSan: everything; TSan: the concurrent parts) and
#                              short fuzz runs. Not yet part of CI: they have not been run green end to end.
# CI has 90 minutes on 2 cores. Each sanitizer/fuzz stage starts only while the elapsed time is below its budget
# (DSYNC_TEST_BUDGET_MIN, default 55 minutes for starting a stage); a stage that does not start says so plainly in
# the output ("NOT RUN") — it is never counted as passed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
quick=1
[[ ${1:-} == --full ]] && quick=0

export DSYNC_TESTENV_DIR=${DSYNC_TESTENV_DIR:-$REPO/.testenv}
export DSYNC_TESTENV=$DSYNC_TESTENV_DIR/env
JOBS=${DSYNC_JOBS:-2}
failed=()
t0=$SECONDS

stage() { printf '\n==== %s (%ds)\n' "$*" $((SECONDS - t0)); }

run_ctest() {  # run_ctest NAME BUILD_DIR ctest-args...
  local name=$1 dir=$2; shift 2
  ctest --test-dir "$dir" --output-on-failure --timeout 1800 "$@" || failed+=("$name")
}

stage "dependencies"
scripts/setup.sh

stage "build (ci preset: RelWithDebInfo, -Werror)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$JOBS"

stage "test servers"
trap 'scripts/testenv.sh down || true' EXIT
scripts/testenv.sh down >/dev/null 2>&1 || true
scripts/testenv.sh up rgw minio dgraph dgraph2

stage "unit tests"
run_ctest unit build/ci -L unit -j "$JOBS"

stage "integration tests"
run_ctest integration build/ci -L integration

budget_s=$((${DSYNC_TEST_BUDGET_MIN:-55} * 60))
not_run=()
within_budget() {  # within_budget STAGE: true if STAGE may start now
  if ((SECONDS - t0 < budget_s)); then return 0; fi
  echo "NOT RUN: $1 (elapsed $((SECONDS - t0)) s is past the ${budget_s} s start budget)"
  not_run+=("$1")
  return 1
}

if ((quick == 0)) && within_budget asan; then
  stage "ASan+UBSan build: unit + integration"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest asan build/asan -L 'unit|integration' -E '^smoke\.'

fi
if ((quick == 0)) && within_budget tsan; then
  stage "TSan build: the concurrent parts"
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j "$JOBS"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    run_ctest tsan build/tsan -L 'unit|integration' -R "${DSYNC_TSAN_TESTS:-Proxy|Sync|Upload|Multipart|Concurren|Journal}"

fi
if ((quick == 0)) && within_budget fuzz; then
  stage "fuzzing (short runs)"
  scripts/fuzz.sh --seconds "${DSYNC_FUZZ_SECONDS:-30}" || failed+=(fuzz)
fi

stage "done"
((${#not_run[@]} == 0)) || echo "stages NOT RUN for lack of time: ${not_run[*]}"
if ((${#failed[@]})); then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
echo "all stages passed in $((SECONDS - t0)) s"
