"""Section 4: the Google Benchmark binaries under <build>/bench (bench/micro, bench/s3, bench/proxy, ...).
By convention their names start with `bench_`; other executables there (e.g. a standalone proxy for load tests)
are servers and are not run."""

import json
import os
import subprocess

from common import log


def find_binaries(build_dir):
    root = os.path.join(build_dir, "bench")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "CMakeFiles"]
        for f in filenames:
            p = os.path.join(dirpath, f)
            if f.startswith("bench_") and os.access(p, os.X_OK):
                with open(p, "rb") as fh:
                    if fh.read(4) == b"\x7fELF":
                        found.append(p)
    return sorted(found)


def run(build_dir, min_time):
    results = []
    for exe in find_binaries(build_dir):
        rel = os.path.relpath(exe, build_dir)
        try:
            out = subprocess.run([exe, "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=900).stdout
            data = json.loads(out)
        except (subprocess.TimeoutExpired, ValueError, OSError) as e:
            log(f"micro {rel}: {e}")
            results.append({"binary": rel, "error": str(e)})
            continue
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            results.append({"binary": rel, "name": b["name"], "cpu_time": b["cpu_time"], "real_time": b["real_time"],
                            "unit": b.get("time_unit", "ns"), "bytes_per_second": b.get("bytes_per_second"),
                            "items_per_second": b.get("items_per_second")})
        log(f"micro {rel}: {len(data.get('benchmarks', []))} benchmarks")
    return results
