#!/usr/bin/env bash
# Builds FerretDB 1.24.2 once into a cache directory and runs it on SQLite on a loopback port.
#   scripts/ferretdb.sh build            build (or reuse) the binary; prints its path
#   scripts/ferretdb.sh start [PORT]     start in the background if nothing answers on PORT; prints the mongodb:// URL
#   scripts/ferretdb.sh stop [PORT]      stop the server started for PORT
set -euo pipefail
VERSION=1.24.2
CACHE_DIR=${OSSA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ossa}
BIN_DIR="$CACHE_DIR/ferretdb-$VERSION"
BIN="$BIN_DIR/ferretdb"
PORT=${2:-${FERRETDB_PORT:-27117}}
STATE_DIR="$CACHE_DIR/ferretdb-data-$PORT"

log() { echo "[ferretdb] $*" >&2; }

build() {
  if [ -x "$BIN" ]; then echo "$BIN"; return 0; fi
  command -v go >/dev/null || { log "the Go toolchain is needed to build FerretDB (go not found on PATH)"; exit 1; }
  mkdir -p "$BIN_DIR"
  local scratch; scratch=$(mktemp -d)
  log "building FerretDB $VERSION into $BIN_DIR (one time, a few minutes)"
  (
    cd "$scratch"
    go mod init ossa.local/ferretdb-build >/dev/null 2>&1
    # A plain `go install pkg@version` is refused for this module (replace directives); a tool dependency
    # fetches it and its dependencies into the module cache.
    go get -tool "github.com/FerretDB/FerretDB/cmd/ferretdb@v$VERSION"
    src=$(go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)
    # The module archive lacks the generated build/version/version.txt that FerretDB requires at start-up.
    cp -r "$src" "$scratch/src" && chmod -R u+w "$scratch/src"
    echo "v$VERSION" >"$scratch/src/build/version/version.txt"
    cd "$scratch/src" && go build -o "$BIN" ./cmd/ferretdb
  ) >&2
  rm -rf "$scratch"
  [ -x "$BIN" ] || { log "build finished without producing $BIN"; exit 1; }
  echo "$BIN"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local url="mongodb://127.0.0.1:$PORT/"
  if answers "$PORT"; then echo "$url"; return 0; fi
  build >/dev/null
  mkdir -p "$STATE_DIR/data"
  nohup "$BIN" --handler=sqlite --sqlite-url="file:$STATE_DIR/data/" \
    --listen-addr="127.0.0.1:$PORT" --debug-addr=- --telemetry=disable --log-level=warn \
    >"$STATE_DIR/ferretdb.log" 2>&1 &
  echo $! >"$STATE_DIR/pid"
  for _ in $(seq 1 100); do
    if answers "$PORT"; then echo "$url"; return 0; fi
    sleep 0.1
  done
  log "FerretDB did not start on port $PORT; see $STATE_DIR/ferretdb.log"; tail -20 "$STATE_DIR/ferretdb.log" >&2 || true
  exit 1
}

stop() {
  if [ -f "$STATE_DIR/pid" ]; then kill "$(cat "$STATE_DIR/pid")" 2>/dev/null || true; rm -f "$STATE_DIR/pid"; fi
}

case "${1:-start}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 build|start [PORT]|stop [PORT]" >&2; exit 2 ;;
esac
