"""Renders docs/BENCHMARKS.md from the section results (JSON) of the latest run of each section.

Every ratio is between two figures of the same section run. A target that is missed says MISSED in the table;
a figure that was not measured says so instead of being left out."""

import os

from common import GiB, MiB, read_json

UPLOAD_CLIENTS = {
    "dsync": "dsync `push`: multipart, parts in parallel, per-part integrity check by the server, every object "
             "HEAD-verified with the key after the upload",
    "original-standin": "original-tool stand-in: one PutObject per file (aws-sdk-go v1 hashes the body with MD5 and "
                        "SHA-256 first); no verification",
    "awscli-v1": "`aws s3 cp` (awscli v1 on PATH; `AWS_REQUEST_CHECKSUM_CALCULATION=when_required`)",
    "awscli-v2": "`/usr/bin/aws s3 cp` (Debian awscli v2)",
    "rclone": "`rclone copy --s3-sse-customer-key` (defaults; HTTPS only: rclone refuses SSE-C over HTTP)",
}
PROXY_PATHS = {
    "direct": "direct to the upstream",
    "dsync": "through dsync (reverse mode)",
    "dsync-forward": "through dsync (forward mode, absolute-URI requests)",
    "nginx": "through nginx (reverse proxy, keepalive upstream)",
    "original-standin": "through the original-tool stand-in (forward proxy)",
}


SERVER_ORDER = {"rgw-tls": 0, "rgw-http": 1, "minio-tls": 2}
CLIENT_ORDER = {c: i for i, c in enumerate(UPLOAD_CLIENTS)}


def size_label(n):
    return f"{n / GiB:g} GiB" if n >= GiB else f"{n // MiB} MiB"


def servers_of(res):
    return sorted({(r["server_id"], r["server"]) for r in res}, key=lambda s: SERVER_ORDER.get(s[0], 9))


def f(v, fmt="{:.0f}", none="—"):
    return none if v is None else fmt.format(v)


def duration(v, unit):
    ns = v * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}.get(unit, 1)
    for div, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= div:
            return f"{ns / div:.3g} {name}"
    return f"{ns:.3g} ns"


def ratio(a, b):
    return None if not a or not b else a / b


def load(results_dir, name):
    p = os.path.join(results_dir, f"{name}.json")
    return read_json(p) if os.path.exists(p) else None


def verdict(ok):
    return "not measured" if ok is None else ("met" if ok else "**MISSED**")


class Doc:
    def __init__(self):
        self.lines = []

    def add(self, *lines):
        self.lines.extend(lines)

    def table(self, header, rows):
        self.add("| " + " | ".join(header) + " |", "|" + "---|" * len(header))
        for r in rows:
            self.add("| " + " | ".join(str(c) for c in r) + " |")
        self.add("")


# ---------------------------------------------------------------------------------------------------------------
# Headline targets


def upload_targets(up):
    rows = []
    if not up:
        return [["Upload throughput ≥ original tool", "—", "—", "—", "not measured"]]
    res = up["data"]["results"]
    big = max((r["size"] for r in res), default=0)
    by = {(r["server_id"], r["client"], r["size"]): r for r in res}
    servers = servers_of(res)
    for sid, label in servers:
        d, o = by.get((sid, "dsync", big)), by.get((sid, "original-standin", big))
        if o:
            rt = ratio(d and d["mib_s"], o["mib_s"])
            rows.append([f"Upload {size_label(big)}, {label}: throughput ≥ original tool",
                         f(d and d["mib_s"], "{:.0f} MiB/s"), f(o["mib_s"], "{:.0f} MiB/s"), f(rt, "{:.2f}×"),
                         verdict(None if rt is None else rt >= 1.0)])
    for sid, label in servers:
        d = by.get((sid, "dsync", big))
        cpu = d and d["cpu_s_per_gib"]
        rows.append([f"Client CPU ≤ 1.0 s/GiB ({size_label(big)}), {label}", f(cpu, "{:.2f} s/GiB"), "—", "—",
                     verdict(None if cpu is None else cpu <= 1.0)])
    sizes = sorted({r["size"] for r in res})
    peaks = [by[(sid, "dsync", s)]["rss_max_mib"] for sid, _ in servers for s in sizes
             if (sid, "dsync", s) in by and by[(sid, "dsync", s)]["rss_max_mib"]]
    peak = max(peaks, default=None)
    rows.append([f"Peak RSS ≤ 24 MiB at {' and '.join(size_label(s) for s in sizes)} (flat)",
                 f(peak, "{:.1f} MiB"), "—", "—", verdict(None if peak is None else peak <= 24)])
    return rows


def proxy_targets(px):
    if not px:
        return [["Proxy req/s ≥ nginx, p99 ≤ nginx", "—", "—", "—", "not measured"]]
    rows = []
    by = {(r["target"], r["path"]): r for r in px["data"]["wrk"]}
    for target in dict.fromkeys(r["target"] for r in px["data"]["wrk"]):
        d, n = by.get((target, "dsync")), by.get((target, "nginx"))
        if not n:
            continue
        rt = ratio(d and d["rps"], n["rps"])
        rows.append([f"{target}: req/s ≥ nginx", f(d and d["rps"], "{:,.0f}"), f(n["rps"], "{:,.0f}"),
                     f(rt, "{:.2f}×"), verdict(None if rt is None else rt >= 1.0)])
        p99ok = None if not d or d["p99_ms"] is None else d["p99_ms"] <= n["p99_ms"]
        rows.append([f"{target}: p99 ≤ nginx", f(d and d["p99_ms"], "{:.2f} ms"), f(n["p99_ms"], "{:.2f} ms"),
                     f(ratio(d and d["p99_ms"], n["p99_ms"]), "{:.2f}×"), verdict(p99ok)])
    return rows


def reaction_targets(rx):
    if not rx:
        return [["Success → first S3 byte ≤ 1 s", "—", "—", "—", "not measured"]]
    d = rx["data"].get("dsync_max_s")
    o = rx["data"].get("original-standin_median_s")
    return [["Success → first S3 byte ≤ 1 s (worst trial)", f(d and d * 1000, "{:.0f} ms"),
             f(o and o * 1000, "{:.0f} ms"), f(ratio(d, o), "{:.2f}×"), verdict(None if d is None else d <= 1.0)]]


# ---------------------------------------------------------------------------------------------------------------
# Sections


def objects_line(prof):
    """Samples per object: measured (`perf report --sort dso`) when present, else summed from the symbol rows."""
    objs = prof.get("objects")
    if not objs:
        acc = {}
        for x in prof.get("top", []):
            acc[x["dso"]] = acc.get(x["dso"], 0.0) + x["pct"]
        objs = [{"dso": k, "pct": v} for k, v in sorted(acc.items(), key=lambda kv: -kv[1])]
        label = "summed over the rows below (≥ 1% each)"
    else:
        label = "all samples"
    return f"By object ({label}): " + ", ".join(f"{o['dso']} {o['pct']:.1f}%" for o in objs) + "."


def upload_section(doc, up):
    doc.add("## 1. Upload: one export file with SSE-C, same server, alternating clients", "")
    if not up:
        doc.add("Not measured in the latest run.", "")
        return
    p = up["params"]
    doc.add(f"Run {up['when']}; {p['rounds']} round(s), clients alternate within each round (order rotated per "
            "round); medians. Throughput = file size / client wall time; CPU = user + system seconds of the client "
            "process tree per GiB (GNU time); RSS = its peak resident set. Every object is HEAD-checked with the key "
            "by the harness after each run (size and SSE-C algorithm) and deleted; a run without a correct object "
            "counts as failed, not fast.", "")
    doc.table(["client", "what it does"], [[c, t] for c, t in UPLOAD_CLIENTS.items()])
    res = up["data"]["results"]
    for (sid, label) in servers_of(res):
        for size in sorted({r["size"] for r in res}, reverse=True):
            rows = sorted((r for r in res if r["server_id"] == sid and r["size"] == size),
                          key=lambda r: CLIENT_ORDER.get(r["client"], 9))
            if not rows:
                continue
            d = next((r for r in rows if r["client"] == "dsync"), None)
            doc.add(f"**{label}, {size_label(size)} file**", "")
            doc.table(["client", "MiB/s", "dsync ÷ client (throughput)", "client CPU s/GiB", "peak RSS MiB",
                       "runs (failed)"],
                      [[r["client"], f(r["mib_s"]), f(ratio(d and d["mib_s"], r["mib_s"]), "{:.2f}×"),
                        f(r["cpu_s_per_gib"], "{:.2f}"), f(r["rss_max_mib"], "{:.1f}"),
                        f"{r['runs']} ({r['failed']})"] for r in rows])
    prof = up["data"].get("profile")
    if prof and prof.get("top"):
        doc.add(f"**Where dsync's client CPU goes** (`perf record -g`, self time, one `dsync push` of "
                f"{prof['size'] // MiB} MiB to {prof['server']}; symbols ≥ 1%; libcrypto ships without symbols, so "
                "its time shows as bare addresses):", "", objects_line(prof), "")
        doc.table(["self %", "object", "symbol"], [[f"{x['pct']:.1f}", x["dso"], f"`{x['symbol']}`"]
                                                     for x in prof["top"]])
    elif prof:
        doc.add(f"Profile not taken: {prof.get('error')}", "")


def proxy_section(doc, px):
    doc.add("## 2. Proxy overhead", "")
    if not px:
        doc.add("Not measured in the latest run.", "")
        return
    p = px["params"]
    doc.add(f"Run {px['when']}; `wrk -t2 -c32 -d{p['duration_s']}s --latency`, {p['rounds']} round(s), paths "
            "alternating within each round; medians of requests/s, p50 and p99. Everything (wrk, proxy, upstream) "
            "shares the same 2 cores, so a proxy's own CPU cost shows up directly as lost requests/s. Peak RSS is "
            "sampled every 0.2 s during the load (nginx: master + workers).", "")
    doc.table(["path", "what"], [[k, v] for k, v in PROXY_PATHS.items()])
    wrk = px["data"]["wrk"]
    for target in dict.fromkeys(r["target"] for r in wrk):
        rows = [r for r in wrk if r["target"] == target]
        direct = next((r for r in rows if r["path"] == "direct"), None)
        d = next((r for r in rows if r["path"] == "dsync"), None)
        doc.add(f"**{target}**", "")
        doc.table(["path", "req/s", "÷ direct", "dsync ÷ path (req/s)", "p50 ms", "p99 ms", "peak RSS MiB",
                   "errors"],
                  [[r["path"], f(r["rps"], "{:,.0f}"), f(ratio(r["rps"], direct and direct["rps"]), "{:.2f}"),
                    f(ratio(d and d["rps"], r["rps"]), "{:.2f}×"), f(r["p50_ms"], "{:.2f}"),
                    f(r["p99_ms"], "{:.2f}"), f(r["rss_mib"], "{:.1f}"), r["errors"]] for r in rows])
    st = px["data"].get("stream") or []
    if st:
        doc.add(f"**A {p['stream_size'] / GiB:g} GiB body streamed through the proxy** (curl; download = GET of a "
                "static file from the nginx upstream, upload = PUT into an nginx WebDAV location, which answers after reading the whole body). Proxy CPU = "
                "the proxy process's user + system seconds during the transfer, per GiB.", "")
        doc.table(["direction", "path", "MiB/s", "÷ direct", "proxy CPU s/GiB", "proxy peak RSS MiB",
                   "runs (failed)"],
                  [[r["direction"], r["path"], f(r["mib_s"]),
                    f(ratio(r["mib_s"], next((x["mib_s"] for x in st if x["direction"] == r["direction"]
                                              and x["path"] == "direct"), None)), "{:.2f}"),
                    f(r["proxy_cpu_s_per_gib"], "{:.2f}"), f(r["rss_mib"], "{:.1f}"),
                    f"{r['runs']} ({r['failed']})"] for r in st])


def proxy_profiles(doc, px):
    for label, prof in (px["data"].get("profiles") or {}).items():
        if prof.get("top"):
            doc.add(f"**Where `dsync serve` spends CPU under wrk, {label}** (`perf record -g -p`, self time, "
                    "symbols ≥ 1%):", "", objects_line(prof), "")
            doc.table(["self %", "object", "symbol"], [[f"{x['pct']:.1f}", x["dso"], f"`{x['symbol']}`"]
                                                         for x in prof["top"]])


def reaction_section(doc, rx):
    doc.add("## 3. Reaction: export task `Success` → first byte at S3", "")
    if not rx:
        doc.add("Not measured in the latest run.", "")
        return
    data = rx["data"]
    doc.add(f"Run {rx['when']}. An export of a {data.get('nodes', 100000):,}-node database is requested through the "
            f"proxy under test in front of the real alpha; the harness polls the task on the alpha every {data['poll_interval_s'] * 1000:.0f} "
            "ms and takes the last poll that still saw it unfinished as the Success moment, so each figure is an "
            "upper bound (by at most one poll interval plus a round trip). A timestamping TCP relay (bench-only "
            "middlebox) in front of RGW over HTTPS records the first byte the client sends after that moment.", "")
    rows = []
    for who in ("dsync", "original-standin"):
        for i, r in enumerate(data.get(who, [])):
            # 0 = the task was already finished at the harness's first poll: the figure then also holds the export.
            rows.append([who, i + 1, f(r["export_s"] * 1000, "{:.0f}") if r["export_s"] > 0 else "before first poll",
                         f(r["reaction_s"] and r["reaction_s"] * 1000, "{:.0f}", "no S3 traffic"),
                         "yes" if r.get("cleaned") else "no"])
    doc.table(["who", "trial", "export took ms", "Success → first S3 byte, ms", "export folder uploaded + removed"],
              rows)
    doc.add("When the export was already finished at the harness's first poll (the stand-in's task id is read from "
            "its log, after its own first poll), the figure is measured from the export request and includes the "
            "export itself.", "")
    doc.add("The original tool asks for the task status at once and then every 5 s, so its reaction is up to 5 s "
            "after an export that is not finished at the first poll; the stand-in keeps that design (see its "
            "README for the two defects corrected so it can be measured at all).", "")


def micro_section(doc, mi):
    doc.add("## 4. Micro-benchmarks (Google Benchmark)", "")
    if not mi:
        doc.add("Not measured in the latest run.", "")
        return
    doc.add(f"Run {mi['when']}. `bench/micro` measures the primitives that bound the upload's CPU per GiB on this "
            "CPU; the other binaries benchmark dsync's own hot paths next to their code. CPU s/GiB = 2³⁰ ÷ "
            "bytes per CPU-second.", "")
    rows = []
    for r in mi["data"]:
        if "error" in r:
            rows.append([r["binary"], "failed: " + r["error"], "", "", ""])
            continue
        bps = r.get("bytes_per_second")
        rows.append([r["binary"].replace("bench/", ""), f"`{r['name']}`", duration(r["cpu_time"], r["unit"]),
                     f(bps and bps / 1e9, "{:.2f} GB/s", f(r.get("items_per_second"), "{:,.0f} items/s")),
                     f(bps and GiB / bps, "{:.3f}")])
    doc.table(["binary", "benchmark", "CPU time per iteration", "throughput", "CPU s/GiB"], rows)


def write(results_dir, doc_path, repo):
    up, px, rx, mi = (load(results_dir, n) for n in ("upload", "proxy", "reaction", "micro"))
    any_run = next((x for x in (up, px, rx, mi) if x), None)
    doc = Doc()
    doc.add("# dsync benchmarks", "",
            "Generated by `scripts/bench.sh` from its latest run of each section (rerun it to refresh; do not edit "
            "the tables by hand). Ratios compare figures measured side by side in the same run: absolute times on "
            "a shared 2-core machine are noise, ratios are the result. These are not tests and never fail CI.", "")
    if any_run and any_run["params"].get("quick"):
        doc.add("> **This is a `--quick` sanity run** (small files, one round, short wrk runs): the figures only show "
                "that the harness works. Run `scripts/bench.sh` without `--quick` for the real table.", "")
    doc.add("## Targets", "")
    doc.table(["target", "dsync", "competitor", "ratio", "verdict"],
              upload_targets(up) + proxy_targets(px) + reaction_targets(rx))
    if any_run:
        m = any_run["meta"]
        doc.add("## Machine and versions", "")
        mc = m["machine"]
        doc.add(f"{mc['cpu']}, {mc['cores']} cores, {mc['ram_gib']} GiB RAM, {mc['os']}, Linux {mc['kernel']}; "
                f"load average at start {', '.join(f'{x:.2f}' for x in mc['load_at_start'])}. The S3 servers, "
                "Dgraph, the proxies and the clients all run on this machine.", "")
        doc.table(["component", "version"], [[k, f"`{v}`"] for k, v in m["versions"].items()])
    upload_section(doc, up)
    proxy_section(doc, px)
    if px:
        proxy_profiles(doc, px)
    reaction_section(doc, rx)
    micro_section(doc, mi)
    analysis = os.path.join(repo, "bench", "ANALYSIS.md")
    if os.path.exists(analysis):
        with open(analysis) as fh:
            doc.add(fh.read().rstrip(), "")
    reproduce = os.path.join(repo, "bench", "REPRODUCE.md")
    if os.path.exists(reproduce):
        with open(reproduce) as fh:
            doc.add(fh.read().rstrip(), "")
    os.makedirs(os.path.dirname(doc_path), exist_ok=True)
    with open(doc_path, "w") as fh:
        fh.write("\n".join(doc.lines).rstrip() + "\n")
