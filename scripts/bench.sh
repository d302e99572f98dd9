#!/usr/bin/env bash
# Benchmarks whose figures the docs and closing notes quote. Each prints the
# `go test -bench` line and a one-line summary read back from the emulator
# and the journal.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/bench.sh quota
  quota  300 onboardings through `vendorflow dev --instances 3` sharing the
         Table journal and the Graph write budget on Azurite, against the
         emulator's write quota scaled tenfold down (300 writes per 15 s),
         at graph.writeShare 0.95. Reports writes/s and their share of the
         quota, the peak in a sampled 15 s, the share of 429 answers and the
         onboardings not done. Takes about 90 s plus the build.
         VENDORFLOW_BENCH_BACKLOG and VENDORFLOW_BENCH_SHARE change the
         backlog and the share.
  Azurite is started (and stopped) unless VENDORFLOW_TEST_TABLES is set.
example:
  scripts/bench.sh quota
  VENDORFLOW_BENCH_SHARE=0.8 scripts/bench.sh quota
USAGE
}

case "${1:-}" in
  quota) ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

if [[ -z "${VENDORFLOW_TEST_TABLES:-}" ]]; then
  trap 'scripts/azurite.sh stop' EXIT
  scripts/azurite.sh start
  eval "$(scripts/azurite.sh env)"
fi
go test -run '^$' -bench 'BenchmarkSharedWriteQuota$' -benchtime 1x -timeout 20m ./e2e
