#!/usr/bin/env bash
# etcd's own gRPC load tool (tools/benchmark of etcd v3.5), built once into a cache directory, for the
# consensus bench's side-by-side figures. etcd itself (3.4) comes from Debian: apt-get install -y etcd-server etcd-client.
#   scripts/etcd-bench.sh build                          build (or reuse) the tool; prints its path
#   scripts/etcd-bench.sh put ENDPOINT CLIENTS TOTAL     put TOTAL keys through ENDPOINT with CLIENTS clients on one connection
set -euo pipefail
VERSION=3.5.11
CACHE_DIR=${OSSA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ossa}
BIN_DIR="$CACHE_DIR/etcd-benchmark-$VERSION"
BIN="$BIN_DIR/benchmark"

log() { echo "[etcd-bench] $*" >&2; }

build() {
  if [ -x "$BIN" ]; then echo "$BIN"; return 0; fi
  command -v go >/dev/null || { log "the Go toolchain is needed to build etcd's benchmark tool (go not found on PATH)"; exit 1; }
  mkdir -p "$BIN_DIR"
  local scratch; scratch=$(mktemp -d)
  log "building etcd's benchmark tool v$VERSION into $BIN_DIR (one time, under a minute)"
  (
    cd "$scratch"
    go mod init ossa.local/etcd-benchmark-build >/dev/null 2>&1
    # `go install pkg@version` is refused for this module (replace directives); as a dependency of a scratch
    # module its requirements resolve to the published etcd modules of the same release.
    go get -tool "go.etcd.io/etcd/v3/tools/benchmark@v$VERSION"
    go build -o "$BIN" go.etcd.io/etcd/v3/tools/benchmark
  ) >&2
  rm -rf "$scratch"
  [ -x "$BIN" ] || { log "build finished without producing $BIN"; exit 1; }
  echo "$BIN"
}

put() {
  local endpoint=$1 clients=$2 total=$3
  build >/dev/null
  # Keys and values of 8 bytes over 1,000 keys: the size and spread of the consensus bench's own puts.
  "$BIN" put --endpoints="$endpoint" --clients="$clients" --conns=1 --total="$total" \
    --key-size=8 --val-size=8 --key-space-size=1000 --precise
}

case "${1:-build}" in
  build) build ;;
  put) [ $# -eq 4 ] || { echo "usage: $0 put ENDPOINT CLIENTS TOTAL" >&2; exit 2; }; put "$2" "$3" "$4" ;;
  *) echo "usage: $0 build | put ENDPOINT CLIENTS TOTAL" >&2; exit 2 ;;
esac
