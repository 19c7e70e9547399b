"""Section 1: upload of one export file with SSE-C to the same real server, clients alternating, medians.

Each client uploads the same file (random bytes: incompressible, like gzip) to its own key; after each run the
harness HEADs the object with the key (size must match) and deletes it, so a client that "finished" without a
correct object is reported as failed instead of fast. Client CPU and peak RSS come from GNU time."""

import os
import shutil
import subprocess
import time

from common import GiB, MiB, clean_env, log, median, timed_run


def make_export_dir(root, size):
    """An export-shaped folder holding one data file of `size` random bytes (plus Dgraph's two small schema files,
    which every real export has; only the data file is timed for the other clients)."""
    d = os.path.join(root, f"size-{size // MiB}MiB", "dgraph.r1000.u0101.0000")
    data = os.path.join(d, "g01.rdf.gz")
    if os.path.exists(data) and os.path.getsize(data) == size:
        return d, data
    os.makedirs(d, exist_ok=True)
    with open("/dev/urandom", "rb") as src, open(data + ".tmp", "wb") as dst:
        left = size
        while left:
            chunk = src.read(min(left, 8 * MiB))
            dst.write(chunk)
            left -= len(chunk)
    os.replace(data + ".tmp", data)
    import gzip
    for name, text in (("g01.schema.gz", b"<name>: string @index(exact) .\n"),
                       ("g01.gql_schema.gz", b"")):
        with gzip.open(os.path.join(d, name), "wb") as f:
            f.write(text)
    return d, data


class Clients:
    """argv builders, one per competitor. Each returns (argv, env, object keys it writes) or None when the
    client cannot talk to that server (the SDK and rclone refuse SSE-C over plain HTTP)."""

    def __init__(self, bench, workdir):
        self.b = bench
        self.workdir = workdir

    def names(self):
        names = ["dsync", "original-standin", "awscli-v1", "awscli-v2", "rclone"]
        return [n for n in names if n != "dsync" or self.b.dsync]

    def build(self, name, target, export_dir, data_file, tag):
        t, b = target, self.b
        key = f"bench/{tag}/{name}"
        if name == "dsync":
            state = os.path.join(self.workdir, "dsync-state", tag)
            os.makedirs(state, exist_ok=True)
            argv = [b.dsync, "push", export_dir, *b.dsync_s3_args(t), "--object-prefix", key + "/",
                    "--state-dir", state, "--keep-local", "--log-level", "warn"]
            return argv, b.client_env(), [key + "/"]
        if name == "original-standin":
            if not t["tls"]:
                return None
            argv = [b.standin, "upload", "--endpoint", t["endpoint"], "--access-key", t["access_key"],
                    "--secret", t["secret_key"], "--bucket-name", t["bucket"], "--object", key,
                    *(["--ca-file", t["ca"]] if t.get("ca") else []), data_file, b.crypto_key]
            return argv, b.client_env(), [key]
        if name in ("awscli-v1", "awscli-v2"):
            exe = b.awscli_v1 if name == "awscli-v1" else "/usr/bin/aws"
            argv = [exe, "--endpoint-url", t["endpoint"], *(["--ca-bundle", t["ca"]] if t.get("ca") else []),
                    "s3", "cp", "--only-show-errors", "--sse-c", "AES256", "--sse-c-key", f"fileb://{b.key_file}",
                    data_file, f"s3://{t['bucket']}/{key}"]
            # RGW 16 answers awscli v1's default aws-chunked CRC32 trailers with 411; the issue prescribes this.
            env = clean_env(AWS_ACCESS_KEY_ID=t["access_key"], AWS_SECRET_ACCESS_KEY=t["secret_key"],
                            AWS_DEFAULT_REGION="us-east-1", AWS_REQUEST_CHECKSUM_CALCULATION="when_required",
                            AWS_RESPONSE_CHECKSUM_VALIDATION="when_required", AWS_CONFIG_FILE="/dev/null",
                            AWS_SHARED_CREDENTIALS_FILE="/dev/null")
            return argv, env, [key]
        if name == "rclone":
            if not t["tls"]:
                return None
            conf = os.path.join(self.workdir, f"rclone-{t['name']}.conf")
            with open(conf, "w") as f:
                f.write(f"[s3]\ntype = s3\nprovider = {t['rclone_provider']}\naccess_key_id = {t['access_key']}\n"
                        f"secret_access_key = {t['secret_key']}\nendpoint = {t['endpoint']}\nregion = us-east-1\n")
            argv = ["rclone", "--config", conf, *(["--ca-cert", t["ca"]] if t.get("ca") else []), "copy",
                    "--s3-sse-customer-algorithm", "AES256", "--s3-sse-customer-key", b.crypto_key,
                    data_file, f"s3:{t['bucket']}/{key}/"]
            return argv, b.client_env(), [key + "/"]
        raise ValueError(name)


class DiskGuard:
    """Keeps the upload race from filling the disk. RGW's bluestore sits on a sparse file that grows with every
    byte written and does not shrink when objects are deleted (a full run writes ~50 GiB): after each deletion the
    harness runs RGW's garbage collector at once, so bluestore can reuse the space, and before each run it checks
    that the file system keeps `reserve` bytes free beyond the upload; otherwise the run is skipped and reported."""

    def __init__(self, bench, reserve=8 << 30):
        self.conf = bench.env.get("RGW_CEPH_CONF")
        self.reserve = reserve
        self.skipped = 0

    def collect(self, target):
        if target["name"].startswith("rgw") and self.conf:
            subprocess.run(["radosgw-admin", "-c", self.conf, "gc", "process", "--include-all"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)

    def room_for(self, size, path):
        free = shutil.disk_usage(path).free
        if free < size + self.reserve:
            self.skipped += 1
            log(f"disk guard: {free / GiB:.1f} GiB free, run skipped")
            return False
        return True


def verify_and_delete(bench, target, keys, size):
    """HEAD every object the client wrote (with the SSE-C key); True when the data object has `size` bytes."""
    s3 = bench.boto(target)
    found = []
    for k in keys:
        if k.endswith("/"):
            listed = s3.list_objects_v2(Bucket=target["bucket"], Prefix=k).get("Contents", [])
            found += [o["Key"] for o in listed]
        else:
            found.append(k)
    ok = False
    for k in found:
        try:
            head = s3.head_object(Bucket=target["bucket"], Key=k, **bench.sse_c_params())
            if head["ContentLength"] == size and head.get("SSECustomerAlgorithm") == "AES256":
                ok = True
        except Exception as e:  # noqa: BLE001 - any failure means "not verified"
            log(f"verify {k}: {e}")
        try:
            s3.delete_object(Bucket=target["bucket"], Key=k)
        except Exception:  # noqa: BLE001
            pass
    return ok


def run(bench, workdir, targets, sizes, rounds):
    clients = Clients(bench, workdir)
    guard = DiskGuard(bench)
    results = []
    for target in targets:
        for size in sizes:
            export_dir, data_file = make_export_dir(os.path.join(workdir, "files"), size)
            runs = {n: [] for n in clients.names()}
            for r in range(rounds):
                names = clients.names()
                order = names[r % len(names):] + names[:r % len(names)]  # rotate so nobody always goes first
                for name in order:
                    built = clients.build(name, target, export_dir, data_file, f"{target['name']}-{size}-{r}")
                    if built is None:
                        continue
                    argv, env, keys = built
                    if not guard.room_for(size, workdir):
                        continue
                    t = timed_run(argv, env=env)
                    ok = t.rc == 0 and verify_and_delete(bench, target, keys, size)
                    guard.collect(target)
                    log(f"upload {target['name']} {size // MiB}MiB round {r + 1} {name}: "
                        f"{size / MiB / max(t.wall, 1e-9):.0f} MiB/s cpu {t.cpu:.2f}s rss {t.max_rss_kib // 1024}MiB"
                        f"{'' if ok else ' FAILED: ' + t.output[-300:]}")
                    runs[name].append({"wall": t.wall, "cpu": t.cpu, "rss_kib": t.max_rss_kib, "ok": ok})
                    time.sleep(1)  # let the server settle
            for name, rs in runs.items():
                if not rs:
                    continue
                good = [x for x in rs if x["ok"]]
                results.append({
                    "server": target["label"], "server_id": target["name"], "client": name, "size": size,
                    "runs": len(rs), "failed": len(rs) - len(good),
                    "mib_s": median([size / MiB / x["wall"] for x in good]),
                    "cpu_s_per_gib": median([x["cpu"] / (size / GiB) for x in good]),
                    "rss_mib": median([x["rss_kib"] / 1024 for x in good]),
                    "rss_max_mib": max([x["rss_kib"] / 1024 for x in good], default=None),
                    "samples": rs,
                })
    if guard.skipped:
        log(f"disk guard skipped {guard.skipped} runs")
    return results


def cleanup_files(workdir):
    """The multi-GiB test files are made again by the next run; they are not left on disk."""
    import shutil
    shutil.rmtree(os.path.join(workdir, "files"), ignore_errors=True)
