#!/usr/bin/env bash
# Installs everything dsync needs to build and test, from Debian packages only.
# Idempotent: when every package is already installed it returns in well under a second.
set -euo pipefail

BUILD_PKGS=(
  cmake ninja-build g++ pkg-config clang clang-format clang-tidy libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcurl4-openssl-dev libssl-dev libisal-dev libpugixml-dev libspdlog-dev libfmt-dev
  libcli11-dev prometheus-cpp-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
)
# Real servers and independent clients for the integration tests and benchmarks.
TEST_PKGS=(
  radosgw ceph-mon ceph-osd ceph-common
  openssl curl jq python3-boto3 awscli rclone wrk nginx-light hyperfine
)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-all}" != "build" ]]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
