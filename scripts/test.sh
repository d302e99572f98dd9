#!/usr/bin/env bash
# The project's test command (README "Run the tests"): formatting, vet, the
# whole test suite, then the race detector on the concurrent packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
usage: scripts/test.sh [--short]
  Runs gofmt (check only), go vet, go test ./... and go test -race on the
  packages with concurrency (queue, journal, sqlitedb, engine).
  --short  skip the race pass
USAGE
  exit 0
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './dist/*'))
if [[ -n "$unformatted" ]]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 ./...

if [[ "${1:-}" != "--short" ]]; then
  echo "== go test -race (concurrent packages)"
  go test -count=1 -race ./pkg/queue/... ./pkg/journal/... ./pkg/sqlitedb/...
fi
