#!/usr/bin/env bash
# Brings up and tears down the real servers dsync is tested against, on free 127.0.0.1 ports:
#   rgw     Ceph RADOS Gateway 16 (Debian packages): 1 mon + 1 OSD (bluestore on a sparse file) + radosgw, HTTP,
#           SSE-C allowed over HTTP (rgw_crypt_require_ssl = false). The server that really answers
#           "This multipart completion is already in progress".
#   minio   MinIO built from its Go module at a pinned revision, HTTPS with a CA this script generates.
#   dgraph  Dgraph v25.4.0: one zero + one alpha exporting into $STATE/dgraph/export.
#   dgraph2 a two-group Dgraph cluster (zero --replicas 1, two alphas sharing one export folder).
#
# Usage: scripts/testenv.sh up [rgw] [minio] [dgraph] [dgraph2]   (default: rgw minio dgraph)
#        scripts/testenv.sh down | status | env
# State (data, logs/, pids/, env file) lives in $DSYNC_TESTENV_DIR (default: <repo>/.testenv). Compiled server
# binaries are cached by version in $DSYNC_CACHE_DIR (default: ~/.cache/dsync): outside the clone on purpose,
# so a fresh clone (as CI uses) skips the slow builds. Teardown stops only the PIDs this script recorded.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${DSYNC_TESTENV_DIR:-$REPO/.testenv}
CACHE=${DSYNC_CACHE_DIR:-$HOME/.cache/dsync}
ENV_FILE=$STATE/env
LOGS=$STATE/logs
PIDS=$STATE/pids

DGRAPH_VERSION=v25.4.0
# MinIO tags are not semver; this is the module pseudo-version of its last commit served to us (2026-02-12).
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

RGW_ACCESS_KEY=DSYNCTESTACCESSKEY01
RGW_SECRET_KEY=dsync-test-secret-key-rgw-0001
MINIO_ACCESS_KEY=dsyncminioadmin
MINIO_SECRET_KEY=dsync-test-secret-key-minio-0001
BUCKET=dsync-test

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# A free TCP port on 127.0.0.1 (the kernel picks it; tiny race accepted for a test harness).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start NAME CMD...: runs CMD in its own session, output to logs/NAME.out, PID recorded in pids/NAME.
start() {
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.out" 2>&1 < /dev/null &
  echo $! >"$PIDS/$name"
}

# wait_for DESCRIPTION SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "timed out waiting for $what (logs: $LOGS)"; return 1; }
    sleep 0.1
  done
}

env_set() {  # env_set KEY VALUE: replaces or appends KEY in the env file
  touch "$ENV_FILE"
  grep -v "^$1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  printf '%s=%s\n' "$1" "$2" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

env_get() { [[ -f $ENV_FILE ]] && sed -n "s/^$1=//p" "$ENV_FILE" | tail -1; }

running() { [[ -f $PIDS/$1 ]] && kill -0 "$(cat "$PIDS/$1")" 2>/dev/null; }

aws_s3() {  # aws_s3 ENDPOINT ACCESS SECRET [CA] -- args...
  local ep=$1 ak=$2 sk=$3 ca=$4; shift 5
  AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_DEFAULT_REGION=us-east-1 \
    AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required \
    aws --endpoint-url "$ep" ${ca:+--ca-bundle "$ca"} "$@"
}

# ---------------------------------------------------------------------------------------------------------
# Server binaries, built once per version.

go_build_cached() {  # go_build_cached NAME VERSION: prints the binary path, building it if needed
  local name=$1 version=$2 dir="$CACHE/bin/$1-$2" bin="$CACHE/bin/$1-$2/$1"
  if [[ -x $bin ]]; then echo "$bin"; return; fi
  command -v go >/dev/null || die "go is needed to build $name $version"
  mkdir -p "$dir"
  log "building $name $version (first time only; cached in $dir)"
  case $name in
    dgraph)
      # `go install github.com/dgraph-io/dgraph/v25/dgraph@v25.4.0` cannot work here: the module proxy refuses
      # its dependency github.com/dgraph-io/gqlgen@v1.0.0 (403 "This module version is not available"). We build
      # the same Dgraph module from scripts/gobuild/dgraph, whose go.mod pins v25.4.0 and replaces only that
      # dependency with github.com/dgraph-io/gqlgen v0.13.2, the nearest version the proxy serves.
      (cd "$REPO/scripts/gobuild/dgraph" &&
        go build -ldflags "-X github.com/dgraph-io/dgraph/v25/x.dgraphVersion=$version" -o "$bin.tmp" \
          github.com/dgraph-io/dgraph/v25/dgraph) >"$dir/build.log" 2>&1 ||
        { cat "$dir/build.log" >&2; die "building dgraph failed"; } ;;
    minio)
      GOBIN="$dir/gobin" go install "github.com/minio/minio@$version" >"$dir/build.log" 2>&1 ||
        { cat "$dir/build.log" >&2; die "go install minio failed"; }
      mv "$dir/gobin/minio" "$bin.tmp" ;;
  esac
  mv "$bin.tmp" "$bin"
  echo "$bin"
}

# ---------------------------------------------------------------------------------------------------------
# Ceph RADOS Gateway

rgw_up() {
  if running rgw; then log "rgw already running"; return; fi
  command -v radosgw >/dev/null || die "radosgw missing: run scripts/setup.sh"
  local d=$STATE/rgw mon_port rgw_port fsid osd_uuid osd_id
  rm -rf "$d"; mkdir -p "$d"/{run,mon,osd,rgw}
  mon_port=$(free_port); rgw_port=$(free_port); fsid=$(uuidgen)
  cat >"$d/ceph.conf" <<EOF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$mon_port
public_addr = 127.0.0.1
ms_bind_ipv6 = false
# A throw-away loopback cluster: no cephx, and the msgr2 "crc" mode that works without it.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
ms_mon_service_mode = crc
ms_mon_cluster_mode = crc
ms_client_mode = crc
ms_service_mode = crc
ms_cluster_mode = crc
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
run_dir = $d/run
admin_socket = $d/run/\$name.asok
log_file = $LOGS/ceph-\$name.log
pid_file = $d/run/\$name.pid
keyring = $d/keyring
[mon]
mon_data = $d/mon/\$id
# radosgw's first start creates its pools one by one; fast paxos rounds make that 2 s instead of 16 s.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mon_allow_pool_delete = true
[osd]
osd_data = $d/osd/\$id
osd_objectstore = bluestore
bluestore_block_path = $d/osd/block
bluestore_block_size = 64424509440
bluestore_block_create = true
osd_memory_target = 939524096
[client.rgw.dsync]
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port
# SSE-C over plain HTTP: only on this loopback test server.
rgw_crypt_require_ssl = false
rgw_data = $d/rgw
rgw_gc_obj_min_wait = 10
rgw_gc_processor_period = 10
EOF
  local c=(-c "$d/ceph.conf")
  ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$d/monmap" >/dev/null
  ceph-mon "${c[@]}" --mkfs -i a --monmap "$d/monmap" >"$LOGS/ceph-mkfs.out" 2>&1 ||
    { tail -5 "$LOGS/ceph-mkfs.out" >&2; die "ceph-mon --mkfs failed"; }
  start ceph-mon ceph-mon "${c[@]}" -i a -f
  osd_uuid=$(uuidgen)
  osd_id=$(timeout 60 ceph "${c[@]}" --connect-timeout 30 osd new "$osd_uuid") || die "ceph mon did not answer"
  mkdir -p "$d/osd/$osd_id"
  ceph-osd "${c[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$LOGS/ceph-mkfs.out" 2>&1 ||
    { tail -5 "$LOGS/ceph-mkfs.out" >&2; die "ceph-osd --mkfs failed"; }
  ceph "${c[@]}" osd crush add "osd.$osd_id" 1.0 root=default >/dev/null 2>&1
  start ceph-osd ceph-osd "${c[@]}" -i "$osd_id" -f
  start rgw radosgw "${c[@]}" -n client.rgw.dsync -f
  wait_for "radosgw on port $rgw_port" 120 curl -sf -o /dev/null "http://127.0.0.1:$rgw_port/"
  radosgw-admin "${c[@]}" user create --uid=dsync --display-name=dsync \
    --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >/dev/null
  local ep="http://127.0.0.1:$rgw_port"
  wait_for "rgw bucket creation" 60 aws_s3 "$ep" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" "" -- s3api create-bucket --bucket "$BUCKET"
  env_set RGW_AVAILABLE 1
  env_set RGW_ENDPOINT "$ep"
  env_set RGW_ACCESS_KEY "$RGW_ACCESS_KEY"
  env_set RGW_SECRET_KEY "$RGW_SECRET_KEY"
  env_set RGW_BUCKET "$BUCKET"
  env_set RGW_REGION us-east-1
  env_set RGW_CEPH_CONF "$d/ceph.conf"
  log "rgw ready at $ep"
}

# ---------------------------------------------------------------------------------------------------------
# MinIO over TLS

make_tls() {  # a CA and a server certificate for 127.0.0.1/localhost, in $STATE/tls
  local t=$STATE/tls
  [[ -f $t/public.crt ]] && return
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=dsync test CA" \
    -keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/private.key" -out "$t/server.csr" \
    >/dev/null 2>&1
  printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n' >"$t/ext.cnf"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 30 \
    -extfile "$t/ext.cnf" -out "$t/public.crt" >/dev/null 2>&1
}

minio_up() {
  if running minio; then log "minio already running"; return; fi
  local bin port console
  bin=$(go_build_cached minio "$MINIO_VERSION")
  make_tls
  rm -rf "$STATE/minio" "$STATE/minio-http"
  mkdir -p "$STATE/minio/certs" "$STATE/minio/data"
  cp "$STATE/tls/public.crt" "$STATE/tls/private.key" "$STATE/minio/certs/"
  port=$(free_port); console=$(free_port)
  MINIO_ROOT_USER=$MINIO_ACCESS_KEY MINIO_ROOT_PASSWORD=$MINIO_SECRET_KEY MINIO_BROWSER=off \
    start minio "$bin" server --quiet --certs-dir "$STATE/minio/certs" --address "127.0.0.1:$port" \
    --console-address "127.0.0.1:$console" "$STATE/minio/data"
  local ep="https://127.0.0.1:$port"
  wait_for "minio on port $port" 60 curl -sf --cacert "$STATE/tls/ca.crt" "$ep/minio/health/live"
  wait_for "minio bucket creation" 30 aws_s3 "$ep" "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY" "$STATE/tls/ca.crt" -- \
    s3api create-bucket --bucket "$BUCKET"
  env_set MINIO_AVAILABLE 1
  env_set MINIO_ENDPOINT "$ep"
  env_set MINIO_ACCESS_KEY "$MINIO_ACCESS_KEY"
  env_set MINIO_SECRET_KEY "$MINIO_SECRET_KEY"
  env_set MINIO_CA_FILE "$STATE/tls/ca.crt"
  env_set MINIO_BUCKET "$BUCKET"
  # A second, plain-HTTP instance exists only to show that MinIO refuses SSE-C without TLS.
  local http_port
  http_port=$(free_port); console=$(free_port)
  mkdir -p "$STATE/minio-http/data"
  MINIO_ROOT_USER=$MINIO_ACCESS_KEY MINIO_ROOT_PASSWORD=$MINIO_SECRET_KEY MINIO_BROWSER=off \
    start minio-http "$bin" server --quiet --address "127.0.0.1:$http_port" \
    --console-address "127.0.0.1:$console" "$STATE/minio-http/data"
  wait_for "plain-HTTP minio on port $http_port" 60 curl -sf "http://127.0.0.1:$http_port/minio/health/live"
  wait_for "minio-http bucket creation" 30 aws_s3 "http://127.0.0.1:$http_port" "$MINIO_ACCESS_KEY" \
    "$MINIO_SECRET_KEY" "" -- s3api create-bucket --bucket "$BUCKET"
  env_set MINIO_HTTP_ENDPOINT "http://127.0.0.1:$http_port"
  log "minio ready at $ep (CA $STATE/tls/ca.crt); plain-HTTP instance at http://127.0.0.1:$http_port"
}

# ---------------------------------------------------------------------------------------------------------
# Dgraph

dgraph_offset() {  # a --port_offset whose 5080/6080/7080/8080/9080-based ports are all free
  local o
  for _ in $(seq 1 50); do
    o=$((RANDOM % 20000 + 1000))
    port_free $((5080 + o)) && port_free $((6080 + o)) && port_free $((7080 + o)) &&
      port_free $((8080 + o)) && port_free $((9080 + o)) && { echo "$o"; return; }
  done
  die "no free port offset for dgraph"
}

alpha_ready() { curl -sf "http://127.0.0.1:$1/probe/graphql" && curl -sf "http://127.0.0.1:$1/health" | grep -q healthy; }

# dgraph_cluster NAME ALPHAS REPLICAS: zero + ALPHAS alphas sharing one export folder.
dgraph_cluster() {
  local name=$1 alphas=$2 replicas=$3 bin d zo
  bin=$(go_build_cached dgraph "$DGRAPH_VERSION")
  d=$STATE/$name
  rm -rf "$d"; mkdir -p "$d/export"
  zo=$(dgraph_offset)
  (cd "$d" && start "$name-zero" "$bin" zero --bindall=false --my="127.0.0.1:$((5080 + zo))" \
    --port_offset "$zo" --replicas "$replicas" --wal "$d/zw" --telemetry "reports=false; sentry=false;")
  wait_for "$name zero" 60 curl -sf "http://127.0.0.1:$((6080 + zo))/health"
  local i ao http_ports=()
  for i in $(seq 1 "$alphas"); do
    ao=$(dgraph_offset)
    mkdir -p "$d/alpha$i"
    (cd "$d/alpha$i" && start "$name-alpha$i" "$bin" alpha --bindall=false --my="127.0.0.1:$((7080 + ao))" \
      --zero="127.0.0.1:$((5080 + zo))" --port_offset "$ao" --export "$d/export" --postings "$d/alpha$i/p" \
      --wal "$d/alpha$i/w" --tmp "$d/alpha$i/t" --security "whitelist=127.0.0.1/32" \
      --telemetry "reports=false; sentry=false;")
    http_ports+=($((8080 + ao)))
    wait_for "$name alpha$i" 120 alpha_ready "$((8080 + ao))"
  done
  local prefix=${name^^}
  env_set "${prefix}_AVAILABLE" 1
  env_set "${prefix}_ALPHA" "http://127.0.0.1:${http_ports[0]}"
  [[ $alphas -gt 1 ]] && env_set "${prefix}_ALPHA2" "http://127.0.0.1:${http_ports[1]}"
  env_set "${prefix}_ZERO" "127.0.0.1:$((5080 + zo))"
  env_set "${prefix}_EXPORT_DIR" "$d/export"
  log "$name ready: alpha http://127.0.0.1:${http_ports[0]}, export folder $d/export"
}

# ---------------------------------------------------------------------------------------------------------

down() {
  [[ -d $PIDS ]] || return 0
  local f pid
  # Reverse order of start: gateways and alphas before OSDs, mons and zeros.
  for f in $(ls -t "$PIDS" 2>/dev/null); do
    pid=$(cat "$PIDS/$f")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  for f in $(ls "$PIDS" 2>/dev/null); do
    pid=$(cat "$PIDS/$f")
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDS/$f"
  done
  rm -f "$ENV_FILE"
  log "stopped"
}

status() {
  [[ -d $PIDS ]] || { echo "nothing running"; return; }
  local f
  for f in $(ls "$PIDS"); do
    if running "$f"; then echo "$f: running (pid $(cat "$PIDS/$f"))"; else echo "$f: not running"; fi
  done
  [[ -f $ENV_FILE ]] && { echo "env file: $ENV_FILE"; cat "$ENV_FILE"; }
}

trap 'log "failed at line $LINENO: $BASH_COMMAND (logs: $LOGS)"' ERR

main() {
  local cmd=${1:-up}; shift || true
  mkdir -p "$STATE" "$LOGS" "$PIDS"
  case $cmd in
    up)
      local what=("$@")
      ((${#what[@]})) || what=(rgw minio dgraph)
      env_set TESTENV_LOG_DIR "$LOGS"
      for w in "${what[@]}"; do
        case $w in
          rgw) rgw_up ;;
          minio) minio_up ;;
          dgraph) running dgraph-alpha1 && log "dgraph already running" || dgraph_cluster dgraph 1 1 ;;
          dgraph2) running dgraph2-alpha1 && log "dgraph2 already running" || dgraph_cluster dgraph2 2 1 ;;
          *) die "unknown component $w" ;;
        esac
      done
      echo "$ENV_FILE" ;;
    down) down ;;
    status) status ;;
    env) echo "$ENV_FILE" ;;
    *) die "usage: $0 up [rgw] [minio] [dgraph] [dgraph2] | down | status | env" ;;
  esac
}

main "$@"
