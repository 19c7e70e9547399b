#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each one, starting from its seed corpus.
#   scripts/fuzz.sh [--seconds N | --runs N] [target...]
# Convention: fuzz/<module>/CMakeLists.txt declares targets named fuzz_<name> with dsync_add_fuzzer(); the seed
# corpus of fuzz_<name> is fuzz/<module>/corpus/<name>/ (checked in). New inputs found during a run go to
# build/fuzz/corpus/<name>/, never into the repository. Prints the execution count of every target; exits
# non-zero if any target crashes, leaks or times out.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
limit=(-max_total_time=60)
targets=()
while (($#)); do
  case $1 in
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

scripts/setup.sh build
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzzers -j "${DSYNC_JOBS:-2}"

if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(find build/fuzz -maxdepth 4 -type f -name 'fuzz_*' -perm -u+x -printf '%f\n' | sort -u)
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz targets built"
  exit 1
fi

failed=()
for t in "${targets[@]}"; do
  bin=$(find build/fuzz -type f -name "$t" -perm -u+x | head -1)
  name=${t#fuzz_}
  seeds=$(find fuzz -type d -path "*/corpus/$name" | head -1)
  work=build/fuzz/corpus/$name
  mkdir -p "$work" build/fuzz/artifacts
  echo "== $t (seeds: ${seeds:-none})"
  if "$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=build/fuzz/artifacts/"$name"- "$work" ${seeds:+"$seeds"} >build/fuzz/"$name".log 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' build/fuzz/"$name".log | awk '{print $2}')
    echo "   ok: ${execs:-?} executions"
  else
    echo "   FAILED (log: build/fuzz/$name.log)"
    tail -30 build/fuzz/"$name".log
    failed+=("$t")
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: failures in ${failed[*]}"
  exit 1
fi
