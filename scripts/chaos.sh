#!/usr/bin/env bash
# The long chaos run (e2e TestChaosLong): a seeded workload through
# `vendorflow dev --instances 3` on the Table journal (Azurite), with Graph
# faults and SIGKILLs of handlers and of the host, judged against a model
# and scanned for secrets. Writes a report with the run's figures.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/chaos.sh [--events N] [--handler-kills N] [--host-kills N] [--seed N] [--report FILE]
  Runs go test ./e2e -run TestChaosLong: N events (default 1000: onboards,
  offboards, exact duplicates, re-onboards, racing onboard/offboard pairs,
  extensions, contracts ending during the run, overlapping sweeps) through
  three handler instances sharing the Table journal on Azurite, with about
  one Graph call in nine faulted (429 with fractional Retry-After, 503,
  504, replication-lag 404s, connection resets, responses slower than the
  client's timeout, sendMail failures, the write quota), 20 handler kills
  and 5 host kills (SIGKILL). It prints one line (events, faults, kills,
  invariant violations, secret hits) and writes the report, by default
  docs/chaos-report.md. Exit status 1 if any invariant was violated.
  Azurite is started (and stopped) unless VENDORFLOW_TEST_TABLES is set.
  VENDORFLOW_CHAOS_KEEP=DIR keeps the run's logs and queue file in DIR.
  About 5 to 10 minutes on 2 cores, plus the build.
example:
  scripts/chaos.sh
  scripts/chaos.sh --events 2000 --seed 11 --report /tmp/chaos.md
USAGE
}

events=1000 handler_kills=20 host_kills=5 seed=7 report=docs/chaos-report.md
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --events) events=$2; shift 2 ;;
    --handler-kills) handler_kills=$2; shift 2 ;;
    --host-kills) host_kills=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    *) echo "chaos.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$events" "$handler_kills" "$host_kills" "$seed"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "chaos.sh: $n is not a number" >&2; exit 2; }
done

if [[ -z "${VENDORFLOW_TEST_TABLES:-}" ]]; then
  trap 'scripts/azurite.sh stop' EXIT
  scripts/azurite.sh start
  eval "$(scripts/azurite.sh env)"
fi

case "$report" in /*) ;; *) report="$PWD/$report" ;; esac
set +e
VENDORFLOW_CHAOS_EVENTS=$events VENDORFLOW_CHAOS_HANDLER_KILLS=$handler_kills \
  VENDORFLOW_CHAOS_HOST_KILLS=$host_kills VENDORFLOW_CHAOS_SEED=$seed \
  VENDORFLOW_CHAOS_REPORT=$report \
  go test ./e2e -run '^TestChaosLong$' -count=1 -v -timeout 60m | grep -E '^chaos:|^(--- |ok|FAIL|PASS)|chaos_test.go'
status=${PIPESTATUS[0]}
set -e
echo "report: $report"
exit "$status"
