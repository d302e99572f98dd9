#!/usr/bin/env bash
# Benchmarks whose figures the docs and closing notes quote. Each benchmark
# prints its `go test -bench` line and appends its figures, read back from
# the emulator and the journal, as JSON lines (pkg/benchreport); `report`
# runs them all and writes BENCHMARKS.md from those lines.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/bench.sh calls|micro|startup|quota|cpu|sweep|report [--quick] [--out DIR]
  calls   Graph requests per onboarding and per offboarding on the happy
          path, through the real adapter against the emulator: the call
          economy beside the naive sequence it replaced, in the same run
          (BenchmarkGraphCalls in pkg/engine), and the journal's write
          transactions per request beside the naive sequence's. About 10 s
          plus the build.
  micro   go test -bench figures of the hot paths: decoding a Service Bus
          invocation envelope (pkg/funchost), one journal step's start and
          finish (pkg/journal), one message's send, receive and complete on
          the embedded queue (pkg/queue). About 15 s plus the builds.
  startup the shipped binary's size (CGO_ENABLED=0, -trimpath, stripped),
          `serve`'s time from exec to an answer on GET / over 10 starts,
          and its idle RSS (BenchmarkServeStartup in e2e). About 20 s plus
          the builds.
  quota   300 onboardings against the emulator's write quota scaled
          tenfold down (300 writes per 15 s), at graph.writeShare 0.95,
          twice: through one `vendorflow dev` on the SQLite journal (the
          in-process bucket), and through `vendorflow dev --instances 3`
          sharing the Table journal and the Graph write budget on Azurite.
          Writes/s and their share of the quota, the peak in a sampled
          15 s and the busiest 10 s against the quota's mean rate, the
          share of 429 answers, redeliveries and the onboardings not done
          (BenchmarkSharedWriteQuota in e2e). About 3 minutes plus the
          build. VENDORFLOW_BENCH_BACKLOG and VENDORFLOW_BENCH_SHARE change
          the backlog and the share.
  cpu     200 onboardings through `vendorflow dev` (SQLite journal, the
          embedded queue, host.json's 8 at a time) against the emulator
          with the write quota off: onboardings/s and the handler's CPU per
          onboarding with Graph answering at once and after 50 ms, the time
          from enqueue to mail for requests arriving one every 100 ms, and
          the top of the handler's CPU profile (BenchmarkLocalThroughput in
          e2e). About 40 s plus the build.
          VENDORFLOW_BENCH_THROUGHPUT_BACKLOG changes the backlog.
  sweep   the expiry sweep over an emulator seeded with 10,000 and 100,000
          managed accounts (`tenantsim --managed N --expired-share X`), 2 %
          and all of them expired: its duration, its listing pages and the
          handler's peak RSS (BenchmarkExpirySweep in e2e). About 2.5
          minutes. VENDORFLOW_BENCH_SWEEP_SIZES changes the sizes.
  report  all of the above, then BENCHMARKS.md (in DIR, default the
          repository root) with the machine, every figure, its floor, the
          naive baseline and the target, and the handler's CPU profile
          beside the one recorded before the CPU work
          (docs/profiles/handler-cpu-0ms-before.txt), and for each target
          missed the cause written in docs/benchmarks-why.md.
  --quick small samples (3 iterations, a backlog of 30, startup on the
          e2e build, no binary size), to check that the script works; its
          figures are not worth quoting.
  Azurite is started (and stopped) for quota unless VENDORFLOW_TEST_TABLES
  is set.
example:
  scripts/bench.sh report
  scripts/bench.sh calls
  VENDORFLOW_BENCH_SHARE=0.8 scripts/bench.sh quota
USAGE
}

what="${1:-}"
case "$what" in
  calls|micro|startup|quota|cpu|sweep|report) shift ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
quick=false
outdir=.
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=true; shift ;;
    --out) outdir="${2:?--out needs a directory}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

iterations=50
microtime=2s
if $quick; then
  iterations=3
  microtime=20x
  export VENDORFLOW_BENCH_QUICK=1
  export VENDORFLOW_BENCH_BACKLOG="${VENDORFLOW_BENCH_BACKLOG:-30}"
  export VENDORFLOW_BENCH_THROUGHPUT_BACKLOG="${VENDORFLOW_BENCH_THROUGHPUT_BACKLOG:-20}"
  export VENDORFLOW_BENCH_SWEEP_SIZES="${VENDORFLOW_BENCH_SWEEP_SIZES:-1000}"
fi

figures="$(mktemp)"
profiles="$(mktemp -d)"
cleanup() { rm -rf "$figures" "$profiles"; }
trap cleanup EXIT
export VENDORFLOW_BENCH_OUT="$figures" VENDORFLOW_BENCH_PROFILES="$profiles"

calls() {
  go test -run '^$' -bench 'BenchmarkGraphCalls$' -benchtime "${iterations}x" -count 1 ./pkg/engine
}

micro() {
  local t="${microtime}"
  go test -run '^$' -bench 'BenchmarkDecodeServiceBus$' -benchtime "$t" -count 1 ./pkg/funchost
  go test -run '^$' -bench 'BenchmarkStepCycle$' -benchtime "$t" -count 1 ./pkg/journal
  go test -run '^$' -bench 'BenchmarkSendReceiveComplete$' -benchtime "$t" -count 1 ./pkg/queue
}

startup() {
  go test -run '^$' -bench 'BenchmarkServeStartup$' -benchtime 1x -count 1 -timeout 20m ./e2e
}

cpu() {
  go test -run '^$' -bench 'BenchmarkLocalThroughput$' -benchtime 1x -count 1 -timeout 20m ./e2e
}

sweep() {
  go test -run '^$' -bench 'BenchmarkExpirySweep$' -benchtime 1x -count 1 -timeout 20m ./e2e
}

quota() {
  if [[ -z "${VENDORFLOW_TEST_TABLES:-}" ]]; then
    trap 'scripts/azurite.sh stop; cleanup' EXIT
    scripts/azurite.sh start
    eval "$(scripts/azurite.sh env)"
  fi
  go test -run '^$' -bench 'BenchmarkSharedWriteQuota$' -benchtime 1x -count 1 -timeout 20m ./e2e
}

start=$SECONDS
case "$what" in
  calls) calls ;;
  micro) micro ;;
  startup) startup ;;
  quota) quota ;;
  cpu) cpu ;;
  sweep) sweep ;;
  report) calls; micro; startup; cpu; sweep; quota ;;
esac
took=$((SECONDS - start))
cat "$figures"
if [[ "$what" == report ]]; then
  mkdir -p "$outdir"
  cmd="scripts/bench.sh report"
  if $quick; then
    cmd="$cmd --quick"
  fi
  go run ./tools/benchmd -in "$figures" -profiles "$profiles" -before docs/profiles/handler-cpu-0ms-before.txt -why docs/benchmarks-why.md \
    -o "$outdir/BENCHMARKS.md" -cmd "$cmd" -took "${took}s"
  echo "wrote $outdir/BENCHMARKS.md"
fi
