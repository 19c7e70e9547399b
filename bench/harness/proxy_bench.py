"""Section 2: proxy overhead. wrk against a fixed-response upstream (nginx `return 200`, to isolate the proxy) and
the real Dgraph alpha (/health, a small /query): direct, through dsync, through nginx as a keepalive reverse proxy
and through the original-tool stand-in (a forward proxy: the wrk script sends absolute-URI targets), alternating
paths within each round. Then a 1 GiB body streamed each way through each proxy vs direct."""

import os
import subprocess
import threading
import time

from common import GiB, MiB, log, median, parse_wrk, proc_cpu_seconds, proc_status
import dgraph_data
import profile_dsync
import servers

WRK_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wrk", "request.lua")
QUERY = '{ q(func: eq(bench_name, "n42")) { uid bench_name } }'


class RssSampler:
    """Samples the summed VmRSS of some PIDs every 0.2 s while a load runs; .peak_mib afterwards."""

    def __init__(self, pids):
        self.pids, self.peak_kib, self._stop = list(pids), 0, threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, sum(proc_status(p, "VmRSS") for p in self.pids))
            self._stop.wait(0.2)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()

    @property
    def peak_mib(self):
        return self.peak_kib / 1024


def wrk(port, path, duration, method="GET", body="", ctype=""):
    env = dict(os.environ, BENCH_PATH=path, BENCH_METHOD=method, BENCH_BODY=body, BENCH_CTYPE=ctype)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", "-s", WRK_SCRIPT,
                          f"http://127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=duration + 60).stdout.decode(errors="replace")
    res = parse_wrk(out)
    if res["rps"] is None:
        log(f"wrk output not understood:\n{out[-800:]}")
    return res


def _paths(bench, ctx, target):
    """(name, port, request target, pids whose RSS is sampled) for every way to reach `target`."""
    up = f"http://127.0.0.1:{target['port']}{target['path']}"
    paths = [("direct", target["port"], target["path"], []),
             ("nginx", ctx["nginx"].ports[target["name"]], target["path"],
              [ctx["nginx"].server.pid, *ctx["nginx"].worker_pids()]),
             ("original-standin", ctx["standin"].port, up, [ctx["standin"].pid])]
    if ctx.get("dsync"):
        paths.insert(1, ("dsync", ctx["dsync"].port, target["path"], [ctx["dsync"].pid]))
        paths.insert(3, ("dsync-forward", ctx["dsync"].port, up, [ctx["dsync"].pid]))
    return paths


def run_wrk_section(bench, workdir, rounds, duration, targets, ctx_base, profile):
    results, profiles = [], {}
    for target in targets:
        ctx = dict(ctx_base)
        if bench.dsync:
            ctx["dsync"] = servers.dsync_serve(bench, f"http://127.0.0.1:{target['port']}", workdir,
                                               name=f"dsync-serve-{target['name']}")
        try:
            paths = _paths(bench, ctx, target)
            samples = {p[0]: [] for p in paths}
            for r in range(rounds):
                order = paths[r % len(paths):] + paths[:r % len(paths)]
                for name, port, path, pids in order:
                    with RssSampler(pids) as rss:
                        res = wrk(port, path, duration, target.get("method", "GET"), target.get("body", ""),
                                  target.get("ctype", ""))
                    res["rss_mib"] = rss.peak_mib if pids else None
                    samples[name].append(res)
                    log(f"wrk {target['name']} round {r + 1} {name}: {res['rps'] or 0:.0f} req/s "
                        f"p50 {res['p50_ms'] or 0:.2f} ms p99 {res['p99_ms'] or 0:.2f} ms errors {res['errors']}"
                        + (f" rss {res['rss_mib']:.1f} MiB" if pids else ""))
            for name, s in samples.items():
                results.append({"target": target["label"], "path": name, "runs": len(s),
                                "rps": median([x["rps"] for x in s]), "p50_ms": median([x["p50_ms"] for x in s]),
                                "p99_ms": median([x["p99_ms"] for x in s]),
                                "errors": sum(x["errors"] for x in s),
                                "rss_mib": max([x["rss_mib"] for x in s if x["rss_mib"]], default=None),
                                "samples": s})
            if profile and ctx.get("dsync") and target["name"] == "fixed":
                d = ctx["dsync"]
                profiles[target["label"]] = profile_dsync.profile_serve(
                    bench, d.pid, lambda: wrk(d.port, target["path"], duration, target.get("method", "GET"),
                                              target.get("body", ""), target.get("ctype", "")))
        finally:
            if ctx.get("dsync"):
                ctx["dsync"].stop()
    return results, profiles


def curl_transfer(url, direction, src_file, proxy_port=None):
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download} %{size_upload}"]
    if proxy_port:
        argv += ["-x", f"http://127.0.0.1:{proxy_port}"]
    if direction == "upload":
        argv += ["-T", src_file, "-H", "Content-Type: application/octet-stream"]
    out = subprocess.run(argv + [url], stdout=subprocess.PIPE, timeout=600).stdout.decode().split()
    code, total, down, up = out
    moved = float(up if direction == "upload" else down)
    return int(code), float(total), moved


def run_stream_section(bench, workdir, rounds, size, ctx):
    """1 GiB each way: GET of a static file from the nginx upstream, PUT of that file into its /sink/."""
    up = ctx["upstream"]
    big = os.path.join(up.www, "big.bin")
    if not (os.path.exists(big) and os.path.getsize(big) == size):
        with open("/dev/urandom", "rb") as src, open(big, "wb") as dst:
            for _ in range(size // (8 * MiB)):
                dst.write(src.read(8 * MiB))
    dsync = servers.dsync_serve(bench, f"http://127.0.0.1:{up.port}", workdir, name="dsync-serve-stream") \
        if bench.dsync else None
    results = []
    try:
        ways = [("direct", up.port, None, []),
                ("nginx", ctx["nginx"].ports["fixed"], None, [ctx["nginx"].server.pid, *ctx["nginx"].worker_pids()]),
                ("original-standin", None, ctx["standin"].port, [ctx["standin"].pid])]
        if dsync:
            ways.insert(1, ("dsync", dsync.port, None, [dsync.pid]))
        for direction, path in (("download", "/file/big.bin"), ("upload", "/sink/body.bin")):
            samples = {w[0]: [] for w in ways}
            for r in range(rounds):
                for name, port, proxy_port, pids in ways[r % len(ways):] + ways[:r % len(ways)]:
                    url = f"http://127.0.0.1:{port or up.port}{path}"
                    cpu0 = sum(proc_cpu_seconds(p) for p in pids)
                    with RssSampler(pids) as rss:
                        code, secs, moved = curl_transfer(url, direction, big, proxy_port)
                    cpu = sum(proc_cpu_seconds(p) for p in pids) - cpu0
                    ok = 200 <= code < 300 and int(moved) == size
                    samples[name].append({"secs": secs, "ok": ok, "proxy_cpu": cpu if pids else None,
                                          "rss_mib": rss.peak_mib if pids else None})
                    log(f"stream {direction} round {r + 1} {name}: {size / MiB / secs:.0f} MiB/s "
                        f"proxy cpu {cpu:.2f}s" + (f" rss {rss.peak_mib:.1f} MiB" if pids else "")
                        + ("" if ok else f" FAILED (HTTP {code}, {int(moved)} bytes)"))
            for name, s in samples.items():
                good = [x for x in s if x["ok"]]
                results.append({"direction": direction, "path": name, "runs": len(s), "failed": len(s) - len(good),
                                "mib_s": median([size / MiB / x["secs"] for x in good]),
                                "proxy_cpu_s_per_gib": median([x["proxy_cpu"] / (size / GiB) for x in good
                                                               if x["proxy_cpu"] is not None]),
                                "rss_mib": max([x["rss_mib"] for x in good if x["rss_mib"]], default=None)})
    finally:
        if dsync:
            dsync.stop()
    return results


def run(bench, workdir, rounds, duration, stream_size, profile=False):
    alpha_port = int(bench.env["DGRAPH_ALPHA"].rsplit(":", 1)[1])
    dgraph_data.seed(bench.env["DGRAPH_ALPHA"])
    upstream = servers.nginx_upstream(workdir)
    targets = [
        {"name": "fixed", "label": "nginx `return 200` upstream", "port": upstream.port, "path": "/"},
        {"name": "health", "label": "Dgraph alpha GET /health", "port": alpha_port, "path": "/health"},
        {"name": "query", "label": "Dgraph alpha POST /query (small)", "port": alpha_port, "path": "/query",
         "method": "POST", "body": QUERY, "ctype": "application/dql"},
    ]
    nginx = servers.nginx_reverse(workdir, {"fixed": upstream.port, "health": alpha_port, "query": alpha_port})
    standin = servers.standin_proxy(bench, workdir, bench.env["DGRAPH_ALPHA"], os.path.join(workdir, "standin-watch"))
    ctx = {"nginx": nginx, "standin": standin, "upstream": upstream}
    try:
        wrk_results, profiles = run_wrk_section(bench, workdir, rounds, duration, targets,
                                                ctx, profile)
        stream_results = run_stream_section(bench, workdir, rounds, stream_size, ctx)
    finally:
        for s in (standin, nginx, upstream):
            s.stop()
        for leftover in ("big.bin", "sink/body.bin"):
            if os.path.exists(os.path.join(upstream.www, leftover)):
                os.unlink(os.path.join(upstream.www, leftover))
    return {"wrk": wrk_results, "stream": stream_results, "profiles": profiles}
