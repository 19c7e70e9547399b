"""Process, timing and statistics helpers shared by every dsync benchmark section.

Every server the harness starts listens on 127.0.0.1, is recorded with its PID and is stopped by that PID only.
Client runs are timed with GNU time, whose %U/%S/%M cover the client and every process it waited for (for awscli
that includes Python: that is its cost)."""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time
import urllib.request

MiB = 1 << 20
GiB = 1 << 30

# CA-bundle variables of this machine's environment would override the per-server CA every client is given
# (aws-sdk-go reads AWS_CA_BUNDLE even when a custom HTTP client is configured).
_SCRUBBED_ENV = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "HTTP_PROXY",
                 "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


def log(msg):
    print(f"bench: {msg}", flush=True)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, seconds, probe, interval=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {seconds}s waiting for {what}")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url, cafile=None):
    import ssl
    ctx = ssl.create_default_context(cafile=cafile) if url.startswith("https") else None
    with urllib.request.urlopen(url, timeout=2, context=ctx) as r:
        return 200 <= r.status < 500


class Server:
    """A background process this harness started; stopped by its own PID (SIGTERM, then SIGKILL)."""

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env, cwd=cwd, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, grace=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""


def proc_status(pid, field):
    """A /proc/PID/status value in KiB (VmRSS, VmHWM), or 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu_seconds(pid):
    """utime + stime of one process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


class Timed:
    """Result of one client run under GNU time."""

    def __init__(self, wall, user, system, max_rss_kib, rc, output):
        self.wall, self.user, self.system, self.max_rss_kib, self.rc, self.output = \
            wall, user, system, max_rss_kib, rc, output

    @property
    def cpu(self):
        return self.user + self.system


def timed_run(argv, env=None, timeout=1800, cwd=None):
    tfile = f"/tmp/dsync-bench-time.{os.getpid()}"
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tfile] + argv
    try:
        p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        with open(tfile) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        if not lines:  # GNU time itself was killed: no figures, a failed run
            return Timed(0.0, 0.0, 0.0, 0, -1, p.stdout.decode(errors="replace")[-4000:])
        wall, user, system, rss = lines[-1].split()
        return Timed(float(wall), float(user), float(system), int(rss), p.returncode,
                     p.stdout.decode(errors="replace")[-4000:])
    finally:
        if os.path.exists(tfile):
            os.unlink(tfile)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def tool_version(argv, pattern=None):
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20).stdout.decode()
    except (OSError, subprocess.TimeoutExpired):
        return "not available"
    line = out.strip().splitlines()[0] if out.strip() else "?"
    if pattern:
        m = re.search(pattern, out)
        line = m.group(0) if m else line
    return line.strip()


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def which(name):
    return shutil.which(name)


def parse_wrk(text):
    """Requests/s and latency percentiles (ms) from `wrk --latency` output."""
    def to_ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    out = {"rps": None, "p50_ms": None, "p99_ms": None, "errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            out[key] = to_ms(m.group(1), m.group(2))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["errors"] += sum(int(x) for x in m.groups())
    return out
