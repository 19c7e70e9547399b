#!/usr/bin/env python3
"""dsync benchmark harness: runs the sections asked for, stores each section's results as JSON in the results
folder and renders docs/BENCHMARKS.md from every section result present there. Called by scripts/bench.sh, which
builds the binaries and starts the real servers; see bench/README.md.

Sections: upload (SSE-C upload race), proxy (wrk + 1 GiB streams), reaction (Success -> first S3 byte),
micro (Google Benchmark binaries). Ratios are always between figures of the same run."""

import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import GiB, MiB, clean_env, log, read_json, tool_version, write_json  # noqa: E402
import micro_bench  # noqa: E402
import profile_dsync  # noqa: E402
import proxy_bench  # noqa: E402
import reaction_bench  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402
import upload_bench  # noqa: E402

SECTIONS = ("upload", "proxy", "reaction", "micro")
CRYPTO_KEY = "dsync-bench-key-0123456789abcdef"  # 32 bytes, raw, as the original tool takes it


class Bench:
    """What every section needs: the binaries, the servers' endpoints and the SSE-C key."""

    def __init__(self, args, workdir):
        self.env = {}
        if args.env:
            with open(args.env) as f:
                self.env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        self.dsync = args.dsync if args.dsync and os.access(args.dsync, os.X_OK) else None
        self.standin = args.standin
        self.crypto_key = CRYPTO_KEY
        self.key_file = os.path.join(workdir, "sse-c.key")
        with open(self.key_file, "w") as f:
            f.write(CRYPTO_KEY)
        awsv1 = subprocess.run(["pyenv", "which", "aws"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.awscli_v1 = awsv1.stdout.decode().strip() if awsv1.returncode == 0 else "aws"
        self.targets = {}
        self.workdir = workdir
        self._rgw_tls = None

    def add_targets(self, rgw_tls):
        e = self.env
        rgw = dict(access_key=e["RGW_ACCESS_KEY"], secret_key=e["RGW_SECRET_KEY"], bucket=e["RGW_BUCKET"],
                   rclone_provider="Ceph")
        self.targets["rgw-tls"] = dict(rgw, name="rgw-tls", label="Ceph RGW 16 over HTTPS", tls=True,
                                       endpoint=rgw_tls.endpoint, port=rgw_tls.port, ca=rgw_tls.ca)
        self.targets["rgw-http"] = dict(rgw, name="rgw-http", label="Ceph RGW 16 over HTTP", tls=False,
                                        endpoint=e["RGW_ENDPOINT"], port=int(e["RGW_ENDPOINT"].rsplit(":", 1)[1]),
                                        ca=None)
        self.targets["minio-tls"] = dict(name="minio-tls", label="MinIO over HTTPS", tls=True,
                                         endpoint=e["MINIO_ENDPOINT"], port=int(e["MINIO_ENDPOINT"].rsplit(":", 1)[1]),
                                         ca=e["MINIO_CA_FILE"], access_key=e["MINIO_ACCESS_KEY"],
                                         secret_key=e["MINIO_SECRET_KEY"], bucket=e["MINIO_BUCKET"],
                                         rclone_provider="Minio")

    def s3_target(self, name):
        return self.targets[name]

    def dsync_s3_args(self, t):
        return ["--endpoint", t["endpoint"], "--access-key", t["access_key"], "--secret", t["secret_key"],
                "--bucket-name", t["bucket"], "--crypto-key-file", self.key_file,
                *(["--ca-file", t["ca"]] if t.get("ca") else [])]

    def client_env(self):
        return clean_env()

    def boto(self, t):
        import boto3
        from botocore.config import Config
        os.environ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required"
        os.environ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required"
        return boto3.client("s3", endpoint_url=t["endpoint"], aws_access_key_id=t["access_key"],
                            aws_secret_access_key=t["secret_key"], region_name="us-east-1",
                            verify=t["ca"] if t.get("ca") else True,
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))

    def sse_c_params(self):
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": self.crypto_key}


def machine_and_versions(bench, args):
    def first(cmd):
        return tool_version(cmd)

    cpu = subprocess.run(["lscpu"], stdout=subprocess.PIPE).stdout.decode()
    model = next((ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if ln.startswith("Model name")), "?")
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / (1 << 20)
    osname = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            osname = next((ln.split("=", 1)[1].strip().strip('"') for ln in f if ln.startswith("PRETTY_NAME")), "?")
    git = subprocess.run(["git", "-C", args.repo, "describe", "--always", "--dirty"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode().strip() or "?"
    dgraph = "?"
    if bench.env.get("DGRAPH_ALPHA"):
        try:
            import json
            import urllib.request
            with urllib.request.urlopen(bench.env["DGRAPH_ALPHA"] + "/health", timeout=3) as r:
                dgraph = json.load(r)[0].get("version", "?")
        except Exception:  # noqa: BLE001
            pass
    minio = "?"
    with open(os.path.join(args.repo, "scripts", "testenv.sh")) as f:  # MinIO built from a pinned module version
        m = re.search(r"^MINIO_VERSION=(\S+)", f.read(), re.M)
        minio = f"github.com/minio/minio@{m.group(1)}" if m else minio
    return {
        "machine": {"cpu": model, "cores": os.cpu_count(), "ram_gib": round(mem_gib, 1),
                    "kernel": platform.release(), "os": osname, "load_at_start": os.getloadavg()},
        "versions": {
            "dsync": f"{git} ({'Release build' if bench.dsync else 'binary not available'})",
            "original-tool stand-in": "aws-sdk-go v1.37.31, goproxy v0.0.0-20200809112317-0581fc3aee2d, logrus v1.6.0; "
                                      + first(["go", "version"]),
            "awscli v1": first([bench.awscli_v1, "--version"]),
            "awscli v2": first(["/usr/bin/aws", "--version"]),
            "rclone": first(["rclone", "version"]),
            "nginx": first(["nginx", "-v"]),
            "wrk": first(["wrk", "-v"]),
            "Ceph RGW": first(["radosgw", "--version"]),
            "MinIO": minio,
            "Dgraph": dgraph,
            "curl": first(["curl", "--version"]),
        },
    }


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sections", nargs="*", choices=[*SECTIONS, []], default=[])
    p.add_argument("--env", help="env file of scripts/testenv.sh")
    p.add_argument("--dsync", help="dsync binary (Release build)")
    p.add_argument("--standin", help="original-tool stand-in binary")
    p.add_argument("--build", help="build folder holding bench/ micro-benchmark binaries")
    p.add_argument("--repo", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    p.add_argument("--results", help="folder for section results (JSON) and scratch files")
    p.add_argument("--doc", help="Markdown file to write (default: <repo>/docs/BENCHMARKS.md; '-' for none)")
    p.add_argument("--rounds", type=int, help="alternating rounds per figure (default 3; --quick: 1)")
    p.add_argument("--quick", action="store_true", help="short sanity run: small files, 1 round, 3 s wrk runs")
    p.add_argument("--no-profile", action="store_true", help="skip the perf profile of dsync")
    return p.parse_args()


def main():
    args = parse_args()
    sections = args.sections or list(SECTIONS)
    rounds = args.rounds or (1 if args.quick else 3)
    results = args.results or os.path.join(args.repo, "build", "bench-results")
    workdir = os.path.join(results, "work")
    shutil.rmtree(workdir, ignore_errors=True)  # scratch of the previous run: logs (the stand-in's are verbose)
    os.makedirs(workdir, exist_ok=True)
    bench = Bench(args, workdir)
    if not bench.dsync:
        log(f"dsync binary {args.dsync!r} not usable: dsync figures are left out of this run")
    params = {"quick": args.quick, "rounds": rounds}
    rgw_tls = None
    t0 = time.time()
    try:
        if set(sections) & {"upload", "proxy", "reaction"}:
            if not args.env:
                sys.exit("--env is needed for the upload, proxy and reaction sections")
            rgw_tls = servers.RgwTls(bench.env["RGW_CEPH_CONF"], workdir)
            bench.add_targets(rgw_tls)
        meta = machine_and_versions(bench, args)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

        def save(name, data, extra=None):
            write_json(os.path.join(results, f"{name}.json"),
                       {"when": stamp, "params": dict(params, **(extra or {})), "meta": meta, "data": data})

        if "upload" in sections:
            sizes = [256 * MiB, 64 * MiB] if args.quick else [2 * GiB, 256 * MiB]
            data = upload_bench.run(bench, workdir, list(bench.targets.values()), sizes, rounds)
            prof = None
            if bench.dsync and not args.no_profile and not args.quick:
                prof = profile_dsync.profile_push(bench, workdir, bench.s3_target("rgw-tls"), 256 * MiB)
            save("upload", {"results": data, "profile": prof}, {"sizes": sizes})
            upload_bench.cleanup_files(workdir)
        if "proxy" in sections:
            duration = 3 if args.quick else 10
            stream = 256 * MiB if args.quick else GiB
            save("proxy", proxy_bench.run(bench, workdir, rounds, duration, stream,
                                          profile=bool(bench.dsync) and not args.no_profile and not args.quick),
                 {"duration_s": duration, "stream_size": stream})
        if "reaction" in sections:
            trials = 2 if args.quick else 5
            save("reaction", reaction_bench.run(bench, workdir, trials, 1 if args.quick else 2))
        if "micro" in sections:
            if args.build:
                save("micro", micro_bench.run(args.build, 0.05 if args.quick else 0.5))
            else:
                log("micro: no --build folder given, skipped")
    finally:
        if rgw_tls:
            rgw_tls.stop()
    log(f"sections {' '.join(sections)} done in {time.time() - t0:.0f} s; results in {results}")
    doc = args.doc or os.path.join(args.repo, "docs", "BENCHMARKS.md")
    if doc != "-":
        report.write(results, doc, args.repo)
        log(f"wrote {doc}")


if __name__ == "__main__":
    main()
