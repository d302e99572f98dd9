#!/usr/bin/env bash
# The demo, with the first build's progress shown: downloads the modules the
# binary needs, compiles it into var/bin/vendorflow showing each package as it
# is compiled (with the elapsed time while a large one takes long), then runs
# `vendorflow dev --demo` with the arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
usage: scripts/demo.sh [DEMO FLAGS]
  Builds vendorflow into var/bin/vendorflow, showing progress, then runs
  `vendorflow dev --demo` with DEMO FLAGS (see `vendorflow dev --help`).
  The first build on empty Go caches downloads the modules and compiles the
  Microsoft Graph SDK: minutes on two cores (README.md gives the measured
  figure). Later runs rebuild nothing and start the demo in seconds.
  Needs Go 1.26 only.
example:
  scripts/demo.sh
  scripts/demo.sh --json
  scripts/demo.sh --faults 0.2 --lag 2s
USAGE
  exit 0
fi

command -v go >/dev/null || { echo "demo.sh: Go is not installed; the demo needs Go 1.26 (https://go.dev/dl/)" >&2; exit 1; }
bin=var/bin/vendorflow
mkdir -p "$(dirname "$bin")"
start=$SECONDS
tty=false
[[ -t 2 ]] && tty=true

# say prints a progress line on stderr: in place on a terminal, else a line.
say() {
  if $tty; then printf '\r\033[K%s' "$1" >&2; else printf '%s\n' "$1" >&2; fi
}
elapsed() { printf '%dm%02ds' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)); }

# Both phases read the Go command's output as it comes (lastpipe keeps the
# loop's counters in this shell); the command's exit status comes last.
shopt -s lastpipe

# 1. The packages of the binary; listing them downloads the modules they come
#    from (the Go command prints "go: downloading M V" for each).
echo "== vendorflow: resolving the packages of ./cmd/vendorflow (downloads modules on the first run)" >&2
total=0
downloads=0
rc=1
{
  go list -deps ./cmd/vendorflow 2>&1
  echo "__exit $?"
} | while IFS= read -r line; do
  case "$line" in
    "__exit "*) rc=${line#__exit } ;;
    "go: downloading "*)
      downloads=$((downloads + 1))
      say "  [$(elapsed)] download $downloads: ${line#go: downloading }"
      ;;
    *" "*) echo "$line" >&2 ;; # a message, not a package path
    *) total=$((total + 1)) ;;
  esac
done
$tty && echo >&2
if [[ "$rc" != 0 ]]; then
  echo "demo.sh: go list ./cmd/vendorflow failed (exit $rc); see the messages above" >&2
  exit 1
fi
echo "   $total packages, $downloads module(s) downloaded, $(elapsed)" >&2

# 2. Compile. `go build -v` names each package as it compiles it; cached ones
#    are not named, so a warm build prints nothing and takes seconds. While a
#    package takes long (the Graph SDK's models take most of a cold build),
#    its line is repeated every 10 s with the elapsed time.
echo "== compiling (the Microsoft Graph SDK is most of a first build)" >&2
n=0
last=""
rc=1
{
  go build -v -o "$bin" ./cmd/vendorflow 2>&1
  echo "__exit $?"
} | while true; do
  if IFS= read -r -t 10 line; then
    case "$line" in
      "__exit "*) rc=${line#__exit } ;;
      *" "*) echo "$line" >&2 ;; # a compiler message, not a package path
      *)
        n=$((n + 1))
        last=$line
        say "  [$(elapsed)] $n/$total $last"
        ;;
    esac
  elif (($? > 128)); then # no line for 10 s: still compiling the last package
    [[ -n "$last" ]] && say "  [$(elapsed)] $n/$total still compiling $last"
  else
    break # end of output
  fi
done
$tty && echo >&2
if [[ "$rc" != 0 ]]; then
  echo "demo.sh: go build ./cmd/vendorflow failed (exit $rc); see the messages above" >&2
  exit 1
fi
echo "   built $bin in $(elapsed) ($n package(s) compiled, the rest cached)" >&2

# 3. The demo.
echo "== vendorflow dev --demo $*" >&2
exec "$bin" dev --demo "$@"
