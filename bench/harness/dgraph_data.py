"""Data in the bench's Dgraph: enough that an export takes a noticeable time (so a Success can be observed
between two polls), and a few nodes for the small /query of the proxy benchmark. Added once; later runs reuse it."""

import json
import urllib.request

from common import log

NODES = 100_000
BATCH = 10_000


def _post(alpha, path, body, ctype):
    req = urllib.request.Request(alpha + path, data=body, headers={"Content-Type": ctype}, method="POST")
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.load(r)


def node_count(alpha):
    q = b"{ q(func: has(bench_text)) { count(uid) } }"
    res = _post(alpha, "/query", q, "application/dql")
    return res["data"]["q"][0]["count"] if res.get("data", {}).get("q") else 0


def seed(alpha, nodes=NODES):
    _post(alpha, "/alter", b"bench_name: string @index(exact) .\nbench_text: string .", "application/dql")
    have = node_count(alpha)
    if have >= nodes:
        return
    log(f"adding {nodes - have} nodes to Dgraph (once)")
    pad = "x" * 100
    for start in range(have, nodes, BATCH):
        batch = [{"bench_name": f"n{i}", "bench_text": f"{pad}{i}"} for i in range(start, min(start + BATCH, nodes))]
        _post(alpha, "/mutate?commitNow=true", json.dumps({"set": batch}).encode(), "application/json")
