#!/usr/bin/env bash
# Azurite's Table service for the tests: installed from npm, pinned by
# tools/azurite/package-lock.json, into tools/azurite/node_modules (never
# globally), started on a loopback port, stopped by `stop`.
#
#   scripts/azurite.sh start   # install if needed, start, wait until it answers
#   scripts/azurite.sh env     # print the export line for the tests
#   scripts/azurite.sh stop    # stop the instance `start` started
#
# The tests read VENDORFLOW_TEST_TABLES (a Table Storage connection string);
# `env` prints it for the running instance. The account name and key are
# Azurite's published development account ("devstoreaccount1"), not a secret.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  echo "environment: AZURITE_TABLE_PORT (default 10102), AZURITE_DIR (default var/azurite)"
}

root=$(pwd)
tools="$root/tools/azurite"
port="${AZURITE_TABLE_PORT:-10102}"
dir="${AZURITE_DIR:-$root/var/azurite}"
pidfile="$dir/azurite.pid"
logfile="$dir/azurite.log"
account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

connstr() {
  printf 'DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;TableEndpoint=http://127.0.0.1:%s/%s;' \
    "$account" "$key" "$port" "$account"
}

answers() {
  # A TCP connect to the port; bash's /dev/tcp needs no curl.
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

install() {
  if [[ -x "$tools/node_modules/.bin/azurite-table" ]] &&
     cmp -s "$tools/package-lock.json" "$tools/node_modules/.package-lock.json.vendorflow" 2>/dev/null; then
    return 0
  fi
  echo "azurite: installing the pinned version into tools/azurite (npm ci)" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$tools/package-lock.json" "$tools/node_modules/.package-lock.json.vendorflow"
}

start() {
  mkdir -p "$dir"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
    echo "azurite: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2
    return 0
  fi
  if answers; then
    echo "azurite: 127.0.0.1:$port is taken by another program; set AZURITE_TABLE_PORT" >&2
    return 1
  fi
  install
  node "$tools/node_modules/azurite/dist/src/table/main.js" \
    --tableHost 127.0.0.1 --tablePort "$port" \
    --inMemoryPersistence --skipApiVersionCheck --disableProductStyleUrl --silent \
    >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 300); do
    if answers; then
      echo "azurite: Table service on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "azurite: exited before answering; its log:" >&2
      cat "$logfile" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "azurite: no answer on 127.0.0.1:$port after 30 s; its log:" >&2
  cat "$logfile" >&2
  return 1
}

stop() {
  if [[ -f "$pidfile" ]]; then
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export VENDORFLOW_TEST_TABLES='$(connstr)'" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
