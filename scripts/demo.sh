#!/usr/bin/env bash
# dsync's main job, end to end on this machine:
#   local Dgraph v25.4.0 + Ceph RGW → dsync in front of the alpha → sample data loaded through dsync →
#   an export requested through dsync with curl → the export's objects in the bucket, SSE-C encrypted →
#   reading them without the key fails, with the key gives the exported data → the local export folder is gone.
# Everything it starts is stopped at the end (by recorded PID). State lives in .demo/ of the repository.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
DEMO=$REPO/.demo
export DSYNC_TESTENV_DIR=$DEMO/servers

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1/7 dependencies and build (release)"
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target dsync -j 2
DSYNC=$REPO/build/release/src/cli/dsync

say "2/7 local Dgraph v25.4.0 (zero + alpha) and Ceph RADOS Gateway"
rm -rf "$DEMO"; mkdir -p "$DEMO"
dsync_pid=""
cleanup() {
  [[ -n $dsync_pid ]] && kill "$dsync_pid" 2>/dev/null && wait "$dsync_pid" 2>/dev/null || true
  scripts/testenv.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
env_file=$(scripts/testenv.sh up rgw dgraph)
# shellcheck disable=SC1090
source "$env_file"

say "3/7 dsync in front of the alpha"
head -c 32 /dev/urandom | base64 >"$DEMO/sse-c.key"   # the customer key; the bucket never stores it
chmod 600 "$DEMO/sse-c.key"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PROXY=127.0.0.1:$(port); OPS=127.0.0.1:$(port)
AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY \
  "$DSYNC" serve --endpoint "$RGW_ENDPOINT" --bucket-name "$RGW_BUCKET" \
  --crypto-key-file "$DEMO/sse-c.key" --towatch "$DGRAPH_EXPORT_DIR" --upstream "$DGRAPH_ALPHA" \
  --listen "$PROXY" --ops-listen "$OPS" --state-dir "$DEMO/state" >"$DEMO/dsync.log" 2>&1 &
dsync_pid=$!
for _ in $(seq 1 100); do curl -sf "http://$OPS/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://$OPS/readyz" >/dev/null || { cat "$DEMO/dsync.log"; echo "dsync did not become ready"; exit 1; }
echo "dsync listens on $PROXY (ops on $OPS), forwarding to $DGRAPH_ALPHA"

say "4/7 sample data, loaded through dsync"
curl -sf "http://$PROXY/alter" -d 'name: string @index(exact) .' >/dev/null
# Dgraph answers errors with HTTP 200, so the answer is checked, not just the status.
curl -sf "http://$PROXY/mutate?commitNow=true" -H 'Content-Type: application/rdf' --data-binary '
{ set {
  _:alice <name> "Alice" .
  _:bob <name> "Bob" .
  _:alice <friend> _:bob .
} }' | grep -q '"code":"Success"' || { echo "loading the sample data failed"; exit 1; }
curl -sf "http://$PROXY/query" -H 'Content-Type: application/dql' -d '{ q(func: has(name)) { name } }'; echo

say "5/7 an export, requested through dsync"
curl -sf "http://$PROXY/admin" -H 'Content-Type: application/json' \
  -d '{"query":"mutation { export(input:{format:\"rdf\"}) { response { code message } taskId } }"}'; echo
echo "waiting for dsync to follow the task, upload, verify and clean up…"
state=""
for _ in $(seq 1 600); do
  state=$(curl -sf "http://$OPS/status" | jq -r '.jobs[0].state // empty' 2>/dev/null || true)
  [[ $state == done || $state == failed ]] && break
  sleep 0.1
done
curl -sf "http://$OPS/status" | jq '.jobs[0]'
[[ $state == done ]] || { echo "the sync job ended as '$state'"; tail -20 "$DEMO/dsync.log"; exit 1; }

say "6/7 the bucket: encrypted objects"
s3() {
  AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY AWS_DEFAULT_REGION=us-east-1 \
    AWS_MAX_ATTEMPTS=1 AWS_REQUEST_CHECKSUM_CALCULATION=when_required \
    AWS_RESPONSE_CHECKSUM_VALIDATION=when_required aws --endpoint-url "$RGW_ENDPOINT" "$@"
}
s3 s3 ls "s3://$RGW_BUCKET/" --recursive
base64 -d "$DEMO/sse-c.key" >"$DEMO/sse-c.raw"
echo "reading transformer.rdf.gz WITHOUT the key:"
if s3 s3api get-object --bucket "$RGW_BUCKET" --key transformer.rdf.gz "$DEMO/nokey.gz" 2>&1; then
  echo "unexpected: the object was readable without the key"; exit 1
fi
echo "reading it WITH the key:"
s3 s3api get-object --bucket "$RGW_BUCKET" --key transformer.rdf.gz --sse-customer-algorithm AES256 \
  --sse-customer-key "fileb://$DEMO/sse-c.raw" "$DEMO/withkey.gz" >/dev/null
zcat "$DEMO/withkey.gz"
rm -f "$DEMO/sse-c.raw"

say "7/7 the local export folder"
ls -la "$DGRAPH_EXPORT_DIR"
if compgen -G "$DGRAPH_EXPORT_DIR/dgraph.r*" >/dev/null; then echo "unexpected: export folder still there"; exit 1; fi
echo "removed after every object verified. dsync's log: $DEMO/dsync.log"
