"""Where dsync's client CPU goes during an SSE-C upload: `perf record` around one `dsync push`, reduced to the
hottest symbols (self time). Included in docs/BENCHMARKS.md so a missed CPU target comes with its profile."""

import os
import subprocess

from common import log, which
import upload_bench


def _by_object(data):
    """Share of samples per object (kernel, libcrypto, libcurl, dsync, ...): libcrypto has no symbols here, so its
    time is otherwise split over bare addresses."""
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none", "--sort", "dso"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300).stdout.decode(errors="replace")
    rows = []
    for line in rep.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0].endswith("%") and not line.lstrip().startswith("#"):
            rows.append({"pct": float(parts[0].rstrip("%")), "dso": parts[1].strip()})
    return [r for r in rows if r["pct"] >= 0.5]


def _top_symbols(data):
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none",
                          "--sort", "dso,sym", "--percent-limit", "1"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=300).stdout.decode(errors="replace")
    rows = []
    for line in rep.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "%" not in line.split()[0]:
            continue
        parts = line.split(None, 2)
        if len(parts) == 3:
            rows.append({"pct": float(parts[0].rstrip("%")), "dso": parts[1], "symbol": parts[2].strip()})
    return rows[:25]


def profile_serve(bench, pid, load):
    """perf record attached to a running `dsync serve` while `load()` (a wrk run) drives it."""
    if not which("perf"):
        return {"error": "perf is not installed"}
    data = f"/tmp/dsync-bench-serve.{os.getpid()}.perf"
    rec = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-g", "-p", str(pid), "-o", data],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        load()
    finally:
        rec.send_signal(2)
        rec.wait(60)
    rows = _top_symbols(data) if os.path.exists(data) else []
    objects = _by_object(data) if os.path.exists(data) else []
    if os.path.exists(data):
        os.unlink(data)
    return {"top": rows, "objects": objects}


def profile_push(bench, workdir, target, size):
    if not which("perf"):
        return {"error": "perf is not installed"}
    export_dir, _ = upload_bench.make_export_dir(os.path.join(workdir, "files"), size)
    data = os.path.join(workdir, "perf-push.data")
    state = os.path.join(workdir, "dsync-state", "profile")
    os.makedirs(state, exist_ok=True)
    argv = [bench.dsync, "push", export_dir, *bench.dsync_s3_args(target), "--object-prefix", "bench/profile/",
            "--state-dir", state, "--keep-local", "--log-level", "warn"]
    rec = subprocess.run(["perf", "record", "-q", "-F", "999", "-g", "-o", data, "--", *argv],
                         env=bench.client_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if rec.returncode != 0:
        return {"error": rec.stdout.decode(errors="replace")[-500:]}
    rows, objects = _top_symbols(data), _by_object(data)
    try:
        s3 = bench.boto(target)
        for o in s3.list_objects_v2(Bucket=target["bucket"], Prefix="bench/profile/").get("Contents", []):
            s3.delete_object(Bucket=target["bucket"], Key=o["Key"])
    except Exception as e:  # noqa: BLE001
        log(f"profile cleanup: {e}")
    os.unlink(data)
    log(f"profile: {len(rows)} symbols above 1%")
    return {"server": target["label"], "size": size, "top": rows, "objects": objects}
