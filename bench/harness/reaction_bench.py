"""Section 3: reaction time, from the export task reaching `Success` to the first byte of S3 traffic.

The export is requested through the proxy under test, in front of the real alpha. The harness polls the task on
the alpha directly every 20 ms; the Success moment is taken as the last poll that still saw the task unfinished,
so the reported reaction is an upper bound (by at most one poll interval plus a poll's round trip). The first byte
is taken by the timestamping relay in front of the S3 endpoint."""

import json
import os
import re
import sys
import time
import urllib.request

from common import Server, free_port, log, median, port_open, wait_until
import dgraph_data
import servers

POLL_S = 0.02
EXPORT = json.dumps({"query": 'mutation { export(input: {format: "rdf"}) { response { code message } taskId } }'})


def task_status(alpha, task_id):
    q = json.dumps({"query": f'query {{ task(input: {{id: "{task_id}"}}) {{ status }} }}'}).encode()
    req = urllib.request.Request(f"{alpha}/admin", data=q, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)["data"]["task"]["status"]


def request_export(url, proxy_port=None):
    handlers = [urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{proxy_port}"} if proxy_port else {})]
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=EXPORT.encode(), headers={"Content-Type": "application/json"})
    try:
        with opener.open(req, timeout=30) as r:
            body = r.read()
        return json.loads(body)["data"]["export"]["taskId"]
    except Exception:  # noqa: BLE001 - the stand-in drains the body it inspects, as the original does
        return None


def relay_events(path, after):
    try:
        with open(path) as f:
            return sorted(float(line.split()[0]) for line in f if float(line.split()[0]) > after)
    except OSError:
        return []


def one_trial(bench, alpha, export_url, relay_log, proxy_port=None, task_from_log=None, timeout=30):
    t_req = time.time()
    task = request_export(export_url, proxy_port)
    deadline = time.time() + 20
    while task is None and task_from_log and time.time() < deadline:
        task = task_from_log()
        time.sleep(0.01)
    if task is None:
        raise RuntimeError("no task id for the export")
    last_unfinished = t_req
    while True:
        status = task_status(alpha, task)
        now = time.time()
        if status == "Success":
            break
        if status == "Failed" or now - t_req > 120:
            raise RuntimeError(f"export task {task} ended {status}")
        last_unfinished = now
        time.sleep(POLL_S)
    deadline = time.time() + timeout
    while time.time() < deadline:
        ev = relay_events(relay_log, last_unfinished)
        if ev:
            return {"task": task, "export_s": last_unfinished - t_req, "reaction_s": ev[0] - last_unfinished}
        time.sleep(0.01)
    return {"task": task, "export_s": last_unfinished - t_req, "reaction_s": None}


def wait_export_dir_empty(path, seconds=60):
    try:
        wait_until("the export folder to be uploaded and removed", seconds, lambda: not os.listdir(path), 0.1)
        return True
    except TimeoutError:
        return False


def run(bench, workdir, trials, standin_trials):
    alpha, export_dir = bench.env["DGRAPH_ALPHA"], bench.env["DGRAPH_EXPORT_DIR"]
    dgraph_data.seed(alpha)
    target = bench.s3_target("rgw-tls")
    relay_port, relay_log = free_port(), os.path.join(workdir, "relay.log")
    relay = Server("relay", [sys.executable, os.path.join(os.path.dirname(__file__), "relay.py"), str(relay_port),
                             str(target["port"]), relay_log], os.path.join(workdir, "relay.out"))
    wait_until("relay", 10, lambda: port_open(relay_port))
    via_relay = dict(target, endpoint=f"https://127.0.0.1:{relay_port}")
    out = {"dsync": [], "original-standin": [], "poll_interval_s": POLL_S, "nodes": dgraph_data.NODES}
    try:
        for f in os.listdir(export_dir):  # leftovers of earlier runs would be uploaded by the stand-in
            os.system(f"rm -rf '{os.path.join(export_dir, f)}'")
        if bench.dsync:
            d = servers.dsync_serve(bench, alpha, workdir, s3=via_relay, towatch=export_dir, name="dsync-reaction")
            try:
                for i in range(trials):
                    r = one_trial(bench, alpha, f"http://127.0.0.1:{d.port}/admin", relay_log)
                    r["cleaned"] = wait_export_dir_empty(export_dir)
                    out["dsync"].append(r)
                    log(f"reaction dsync trial {i + 1}: {fmt_s(r['reaction_s'])} (export took {r['export_s']:.2f}s)")
            finally:
                d.stop()
        s = servers.standin_proxy(bench, workdir, alpha, export_dir, s3=via_relay, name="standin-reaction")
        try:
            for i in range(standin_trials):
                mark = os.path.getsize(s.log_path)

                def from_log():
                    with open(s.log_path) as f:
                        f.seek(mark)
                        m = re.search(r"task\.id=(0x[0-9a-f]+)", f.read())
                    return m.group(1) if m else None

                r = one_trial(bench, alpha, f"{alpha}/admin", relay_log, proxy_port=s.port, task_from_log=from_log)
                r["cleaned"] = wait_export_dir_empty(export_dir)
                out["original-standin"].append(r)
                log(f"reaction original-standin trial {i + 1}: {fmt_s(r['reaction_s'])}")
        finally:
            s.stop()
    finally:
        relay.stop()
    for k in ("dsync", "original-standin"):
        vals = [r["reaction_s"] for r in out[k] if r["reaction_s"] is not None]
        out[k + "_median_s"] = median(vals)
        out[k + "_max_s"] = max(vals, default=None)
    return out


def fmt_s(v):
    return "no S3 traffic seen" if v is None else f"{v * 1000:.0f} ms"
