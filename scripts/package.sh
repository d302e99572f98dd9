#!/usr/bin/env bash
# Assemble the deployable Azure Functions app from the repository layout.
#
# The Functions host finds functions only in folders at the app root, next to
# host.json and the custom-handler executable; the repository keeps them under
# functions/. This script builds that root in <out>/app and archives it:
#
#   <out>/app/host.json
#   <out>/app/vendorflow                (linux/amd64, static, stripped)
#   <out>/app/<function>/function.json  (one folder per functions/<function>)
#   <out>/vendorflow-app.zip            (written by tools/zipapp: no zip needed)
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/package.sh [--binary PATH] [--out DIR] [--config FILE]

Assembles the Azure Functions app root in DIR/app and archives it.

  --binary PATH  copy a prebuilt vendorflow executable instead of building
                 one (default: GOOS=linux GOARCH=amd64 CGO_ENABLED=0
                 go build -trimpath -ldflags '-s -w' -o DIR/app/vendorflow
                 ./cmd/vendorflow: static and stripped)
  --out DIR      output directory (default: <repo>/dist); DIR/app and the
                 archives in DIR are replaced
  --config FILE  ship FILE (checked with `vendorflow config check`) as
                 vendorflow.yaml at the app root; set the app setting
                 VENDORFLOW_CONFIG=vendorflow.yaml (or put the configuration
                 in VENDORFLOW_CONFIG_CONTENT instead)
  -h, --help     show this help

The archive is DIR/vendorflow-app.zip, written by tools/zipapp (Go's
archive/zip, keeping the executable bit), so no `zip` tool is needed. Zip is
what Azure's zip deploy and run-from-package take.
USAGE
}

die() { echo "package.sh: $*" >&2; exit 1; }

root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)
binary=""
config=""
out="$root/dist"

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || die "--binary needs a path"; binary=$2; shift 2 ;;
    --binary=*) binary=${1#--binary=}; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --config) [ $# -ge 2 ] || die "--config needs a file"; config=$2; shift 2 ;;
    --config=*) config=${1#--config=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; echo "package.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

[ -f "$root/host.json" ] || die "missing $root/host.json"
if [ -n "$config" ]; then
  [ -f "$config" ] || die "--config $config: no such file"
  config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
fi
if [ -n "$binary" ]; then
  [ -f "$binary" ] || die "--binary $binary: no such file"
  case "$binary" in
    */*) bdir=${binary%/*}; bdir=${bdir:-/} ;;
    *) bdir=. ;;
  esac
  binary=$(cd "$bdir" && pwd)/${binary##*/}
fi

mkdir -p -- "$out"
out=$(cd "$out" && pwd)
app="$out/app"
rm -rf -- "$app" "$out/vendorflow-app.zip"
mkdir -p -- "$app"

cp -- "$root/host.json" "$app/host.json"

functions=()
for fj in "$root"/functions/*/function.json; do
  [ -f "$fj" ] || continue
  dir=${fj%/function.json}
  name=${dir##*/}
  mkdir -p -- "$app/$name"
  cp -- "$fj" "$app/$name/function.json"
  functions+=("$name")
done
[ ${#functions[@]} -gt 0 ] || die "no functions/*/function.json found"

if [ -n "$binary" ]; then
  cp -- "$binary" "$app/vendorflow"
else
  command -v go >/dev/null || die "go is not installed (or pass --binary PATH)"
  # -s -w drop the symbol table and DWARF: a smaller package for Flex to
  # fetch on each cold start (go help link: -s, -w).
  (cd "$root" && GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$app/vendorflow" ./cmd/vendorflow)
fi
chmod 0755 "$app/vendorflow"
if [ -n "$config" ]; then
  (cd "$root" && go run ./cmd/vendorflow config check --config "$config" >/dev/null) ||
    die "--config $config: vendorflow config check refused it"
  cp -- "$config" "$app/vendorflow.yaml"
fi

# Check the layout the host expects before archiving it.
[ -f "$app/host.json" ] || die "layout: host.json missing"
[ -x "$app/vendorflow" ] || die "layout: vendorflow is not an executable file"
for name in "${functions[@]}"; do
  [ -f "$app/$name/function.json" ] || die "layout: $name/function.json missing"
done

entries=(host.json vendorflow "${functions[@]}")
[ -z "$config" ] || entries+=(vendorflow.yaml)
archive="$out/vendorflow-app.zip"
(cd "$root" && go run ./tools/zipapp -C "$app" -o "$archive" "${entries[@]}") ||
  die "writing $archive failed"
echo "package.sh: wrote $archive (zip)"
echo "package.sh: app root $app: host.json, vendorflow, ${functions[*]}"
