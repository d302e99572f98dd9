#!/usr/bin/env bash
# The project's test command (README "Run the tests"): formatting, vet, the
# whole test suite, then the race detector on the concurrent packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
usage: scripts/test.sh [--short]
  Runs gofmt (check only), bash -n and shellcheck on the scripts
  (scripts/*.sh, deploy.sh among them), go vet, go test ./...
  and go test -race on the packages with concurrency (queue, journal,
  sqlitedb, tablejournal), and the chaos suite's short run (e2e TestChaos). Without shellcheck that step is skipped, unless
  CI=true, where it fails.
  The Table Storage tests need Azurite: unless VENDORFLOW_TEST_TABLES is
  already set, this installs the pinned Azurite into tools/azurite (npm ci,
  first run only), starts it on 127.0.0.1:${AZURITE_TABLE_PORT:-10102} and
  stops it at the end. Needs Go, Node.js and npm.
  Then each fuzz target runs briefly: request decoding, UPN derivation,
  envelope decoding, OData quoting, each for a count of inputs sized to
  about 10 s on two cores (VENDORFLOW_FUZZTIME, e.g. 30s or 50000x, sets
  one budget for all). A count, not a time: Go 1.26's fuzzing coordinator
  can fail a time-bounded run at its deadline with "context deadline
  exceeded" and no failing input (golang/go#75804, fixed in Go 1.27). A failing input is kept under the package's testdata/fuzz/.
  --short  skip the race pass and the fuzzing
example:
  scripts/test.sh
  AZURITE_TABLE_PORT=10202 scripts/test.sh --short
USAGE
  exit 0
fi

echo "== gofmt"
mapfile -t gofiles < <(git ls-files --cached --others --exclude-standard '*.go' 2>/dev/null ||
  find . -name '*.go' -not -path './dist/*')
present=()
for f in "${gofiles[@]}"; do [[ -f "$f" ]] && present+=("$f"); done
unformatted=$(gofmt -l "${present[@]}")
if [[ -n "$unformatted" ]]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== bash -n, shellcheck"
for script in scripts/*.sh .ci/run; do bash -n "$script"; done
if command -v shellcheck >/dev/null; then
  shellcheck scripts/*.sh .ci/run
elif [[ "${CI:-}" == "true" ]]; then
  echo "shellcheck is not installed (.ci/run installs Debian's package)"; exit 1
else
  echo "shellcheck is not installed; skipped (apt-get install shellcheck)"
fi

if [[ -z "${VENDORFLOW_TEST_TABLES:-}" ]]; then
  echo "== azurite (Table Storage emulator)"
  trap 'scripts/azurite.sh stop' EXIT
  scripts/azurite.sh start
  eval "$(scripts/azurite.sh env)"
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 ./...

if [[ "${1:-}" != "--short" ]]; then
  echo "== go test -race (concurrent packages)"
  go test -count=1 -race ./pkg/queue/... ./pkg/journal/... ./pkg/sqlitedb/... ./pkg/tablejournal/...

  echo "== go test -fuzz (each target briefly: ${VENDORFLOW_FUZZTIME:-a count of inputs of about 10 s})"
  for target in "FuzzDecodeRequest ./pkg/domain 250000x" "FuzzDeriveUPN ./pkg/domain 15000x" \
    "FuzzDecodeServiceBus ./pkg/funchost 130000x" "FuzzODataString ./pkg/tenantsim 160000x"; do
    read -r name pkg budget <<<"$target"
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "${VENDORFLOW_FUZZTIME:-$budget}" "$pkg"
  done
fi
