#!/usr/bin/env bash
# A new user's first hour with vendorflow, from the README and the docs it
# links, as one script: the demo; a 200-person roster with 10 bad rows,
# planned then enqueued with progress; 190 onboarded and 10 reported; one
# person's history; a request parked for want of a seat; found in the ops
# console; a seat freed; replayed from the console; done. Every check reads
# the system itself (the CLI, the journal, the console's pages). e2e's
# TestTryout runs it; it exits 0 only if every step passed.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/tryout.sh [--dir DIR]
  Plays a new user's first hour against the local stack on this machine:
    1. the demo (vendorflow dev --demo)
    2. a roster of 200 people, 10 of them invalid: planned (enqueue --csv
       --plan), refused whole (enqueue --csv), then sent with --skip-invalid
       and --progress lines
    3. 190 onboarded to done, 10 reported with their reasons
    4. one person's history (accounts history)
    5. one more person parked: no free seat
    6. the parked request found in the ops console
    7. a seat freed (an offboarding)
    8. the request replayed from the console
    9. the request done
  It starts its own tenant emulator (tenantsim --seats 190) and local host
  (vendorflow dev) on free loopback ports, with their state in DIR (default
  a new temporary directory, removed afterwards), and stops them at the end.
  Uses $VENDORFLOW_BIN when set, else builds var/bin/vendorflow with
  scripts/demo.sh. Needs bash, curl and GNU date. Takes 2 to 4 minutes on
  two cores (the Graph write budget paces the 190 onboardings).
example:
  scripts/tryout.sh
  VENDORFLOW_BIN=$(command -v vendorflow) scripts/tryout.sh --dir /tmp/tryout
USAGE
}

dir=""
while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    *) echo "tryout.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || { echo "tryout.sh: curl is needed (apt-get install curl)" >&2; exit 1; }

keep=true
if [[ -z "$dir" ]]; then
  dir=$(mktemp -d)
  keep=false
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  $keep || rm -rf "$dir"
}
trap cleanup EXIT

step() { printf '\n== step %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
  printf '   FAILED: %s\n' "$*" >&2
  printf '   (state, logs and outputs in %s)\n' "$dir" >&2
  keep=true
  exit 1
}

# waitfor SECONDS DESCRIPTION COMMAND...: runs COMMAND every half second
# until it succeeds, failing the step after SECONDS.
waitfor() {
  local limit=$1 what=$2
  shift 2
  local until=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < until)) || fail "waited ${limit}s for $what"
    sleep 0.5
  done
}

# matchfile FILE REGEX: prints the first match of REGEX's group in FILE.
matchfile() { sed -nE "s#.*$2.*#\\1#p" "$1" | head -n 1; }

# status ID STATE: the journal says request ID is in STATE (the first line
# of `vendorflow status`: "request ID (KIND) STATE — UPN").
status() { "$vf" status "$1" 2>/dev/null | head -n 1 | grep -Eq "^request $1 \([a-z]+\) $2( |$)"; }

# -- 1. the demo
step "1: the demo"
if [[ -n "${VENDORFLOW_BIN:-}" ]]; then
  vf=$VENDORFLOW_BIN
  "$vf" dev --demo >"$dir/demo.out" 2>"$dir/demo.err" || fail "vendorflow dev --demo exited $? (see demo.out)"
else
  scripts/demo.sh >"$dir/demo.out" 2>"$dir/demo.err" || fail "scripts/demo.sh exited $? (see demo.err)"
  vf=$PWD/var/bin/vendorflow
fi
grep -q "Vendor1_A_SA@ABC.com" "$dir/demo.out" || fail "the demo's summary names no Vendor1_A_SA@ABC.com"
ok "the demo onboarded the seed's four people and exited 0"

# -- the local stack: an emulator with 190 seats, the local host
export VENDORFLOW_QUEUE_PATH=$dir/queue.db VENDORFLOW_JOURNAL_PATH=$dir/journal.db
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export VENDORFLOW_ADMIN_TOKEN=$token
"$vf" tenantsim --addr 127.0.0.1:0 --seats 190 >"$dir/tenantsim.out" 2>"$dir/tenantsim.err" &
pids+=($!)
sim_ready() { [[ -n "$(matchfile "$dir/tenantsim.out" 'emulated at (http://127\.0\.0\.1:[0-9]+)/v1\.0')" ]]; }
waitfor 30 "the emulator's address" sim_ready
sim=$(matchfile "$dir/tenantsim.out" 'emulated at (http://127\.0\.0\.1:[0-9]+)/v1\.0')
export VENDORFLOW_GRAPH_BASE_URL=$sim/v1.0
"$vf" dev --addr 127.0.0.1:0 >"$dir/dev.out" 2>"$dir/dev.err" &
pids+=($!)
dev_ready() { [[ -n "$(matchfile "$dir/dev.out" 'front door +(http://127\.0\.0\.1:[0-9]+)/api/')" ]]; }
waitfor 60 "vendorflow dev's front door" dev_ready
door=$(matchfile "$dir/dev.out" 'front door +(http://127\.0\.0\.1:[0-9]+)/api/')
console=$door/api/console
ok "tenantsim at $sim, vendorflow dev at $door"

# -- 2. the roster: 200 people, every 20th row broken in its own way
step "2: plan, then enqueue, a roster of 200 people with 10 invalid rows"
start=$(date -u +%F)
end=$(date -u -d '+180 days' +%F)
vendors=(Vendor1 Vendor2 Contractor)
# name N: a surname of letters only for person N (names allow no digits):
# each digit becomes a letter, 042 → Aec.
name() {
  local digits=$1 letters=abcdefghij out="" i
  for ((i = 0; i < ${#digits}; i++)); do out+=${letters:${digits:i:1}:1}; done
  printf '%s' "${out^}"
}
domains=(vendor1.com vendor2.com outlook.com)
roster=$dir/roster.csv
{
  echo "vendor,givenName,surname,email,contractStart,contractEnd,sponsor"
  for i in $(seq 1 200); do
    v=$((i % 3))
    n=$(printf '%03d' "$i")
    sn=$(name "$n")
    row="${vendors[$v]},Tech,$sn,tech$n@${domains[$v]},$start,$end,pat.sponsor@ABC.com"
    if ((i % 20 == 0)); then
      case $((i / 20)) in
        1) row="Vendor9,Tech,$sn,tech$n@vendor1.com,$start,$end,pat.sponsor@ABC.com" ;;   # unknown vendor
        2) row="Vendor1,Tech,$sn,tech$n@vendor2.com,$start,$end,pat.sponsor@ABC.com" ;;   # another vendor's domain
        3) row="Vendor2,Tech,$sn,tech$n@vendor2.com,$end,$start,pat.sponsor@ABC.com" ;;   # ends before it starts
        4) row="Vendor1,Tech,,tech$n@vendor1.com,$start,$end,pat.sponsor@ABC.com" ;;         # no surname
        5) row="Vendor2,Tech,$sn,tech$n.vendor2.com,$start,$end,pat.sponsor@ABC.com" ;;   # not an email
        6) row="Contractor,Tech,$sn,tech$n@outlook.com,$start,2031-01-01,pat.sponsor@ABC.com" ;; # too long a contract
        7) row="Vendor1,Tech,$sn,tech$n@vendor1.com,$start,not-a-date,pat.sponsor@ABC.com" ;;
        8) row="Vendor2,Tech,$sn,tech$n@vendor2.com,$start,$end,pat.sponsor@fabrikam.com" ;; # sponsor outside the tenant
        9) row="Contractor,Tech,$sn,tech$n@outlook.com,$start,$end,not-a-mailbox" ;;
        10) row="Vendor1,Tech,<b>$sn</b>,tech$n@vendor1.com,$start,$end,pat.sponsor@ABC.com" ;; # markup in a name
      esac
    fi
    echo "$row"
  done
} >"$roster"

set +e
"$vf" enqueue --csv "$roster" --plan --skip-invalid >"$dir/plan.out" 2>"$dir/plan.err"
rc=$?
set -e
((rc == 0)) || fail "enqueue --csv --plan --skip-invalid exited $rc (see plan.out, plan.err)"
grep -Eq '190 would (reach done|succeed)' "$dir/plan.out" || fail "the plan does not say that 190 requests would succeed (see plan.out)"
grep -q 'MICROSOFT_REMOTE_ASSIST' "$dir/plan.out" || fail "the plan names no seats of MICROSOFT_REMOTE_ASSIST (see plan.out)"
ok "the plan: 190 would be done, 10 invalid, the seats they take (plan.out)"

set +e
"$vf" enqueue --csv "$roster" >"$dir/refused.out" 2>"$dir/refused.err"
rc=$?
set -e
((rc == 2)) || fail "enqueue --csv of a roster with invalid rows exited $rc, want 2"
grep -q "nothing was sent" "$dir/refused.err" || fail "the refusal does not say nothing was sent (see refused.err)"
[[ "$(grep -cE '^[0-9]+ +[^ ]+ +[^ ]+ +[^ ]+ +invalid ' "$dir/refused.out")" == 10 ]] || fail "the refusal does not list 10 invalid rows (see refused.out)"
ok "without --skip-invalid nothing was sent and the 10 bad rows were listed with their lines"

"$vf" enqueue --csv "$roster" --skip-invalid --progress lines -o json >"$dir/report.json" 2>"$dir/enqueue.err" ||
  fail "enqueue --csv --skip-invalid exited $? (see enqueue.err)"
grep -q 'sent 190/190' "$dir/enqueue.err" || fail "no progress line says sent 190/190 (see enqueue.err)"
grep -q '"sent": 190' "$dir/report.json" || fail "the report does not count 190 sent (see report.json)"
grep -q '"invalid": 10' "$dir/report.json" || fail "the report does not count 10 invalid (see report.json)"
ok "190 sent with progress shown ($(grep 'sent 190/190' "$dir/enqueue.err" | tail -n 1))"

# -- 3. 190 done, 10 reported with reasons
step "3: 190 onboarded, 10 reported with their reasons"
done_count() { "$vf" requests list --state "done" --limit 1000 -o json | grep -c '"requestId"' || true; }
all_done() { [[ "$(done_count)" == 190 ]]; }
waitfor 420 "190 requests to be done (now $(done_count))" all_done
parked=$("$vf" requests list --state parked -o json | grep -c '"requestId"' || true)
[[ "$parked" == 0 ]] || fail "$parked requests are parked"
reasons=$(grep -c '"reason": "[^"]' "$dir/report.json" || true)
[[ "$reasons" == 10 ]] || fail "$reasons rows of the report carry a reason, want the 10 invalid ones"
ok "190 done, none parked; the 10 invalid rows each with a reason, e.g.: $(sed -nE 's/.*"reason": "(.*)",?$/\1/p' "$dir/report.json" | head -n 1 | sed 's/\\"/"/g')"

# -- 4. one person's history
step "4: one person's history"
upn=$("$vf" accounts list --vendor Vendor1 -o json | sed -nE 's/.*"upn": "([^"]+)".*/\1/p' | head -n 1)
[[ -n "$upn" ]] || fail "accounts list --vendor Vendor1 lists no account"
"$vf" accounts history "$upn" >"$dir/history.out" || fail "accounts history $upn exited $?"
grep -Eq '^[0-9-]+ [0-9:]+ +[^ ]+ +onboard +done' "$dir/history.out" || fail "the history of $upn shows no onboard done (see history.out)"
ok "$upn: $(grep -c . "$dir/history.out") lines of history, its onboarding done"

# -- 5. no free seat
step "5: one more person, and no free seat"
cat >"$dir/extra.json" <<JSON
{"schemaVersion":1,"requestId":"tryout-extra","vendor":"Vendor2","person":{"givenName":"Extra","surname":"Person","email":"extra@vendor2.com"},"contract":{"start":"$start","end":"$end"},"sponsor":"pat.sponsor@ABC.com"}
JSON
"$vf" enqueue onboard "$dir/extra.json" >/dev/null || fail "enqueue onboard exited $?"
waitfor 120 "tryout-extra to be parked" status tryout-extra parked
"$vf" status tryout-extra >"$dir/extra-status.out"
grep -q "no free seat" "$dir/extra-status.out" || fail "tryout-extra is parked, but not for want of a seat (see extra-status.out)"
ok "tryout-extra parked: $(grep -m1 'reason' "$dir/extra-status.out")"

# -- 6. found in the console
step "6: the parked request in the ops console"
jar=$dir/cookies
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" --data-urlencode "token=$token" "$console/signin")
[[ "$code" == 303 ]] || fail "signing in to the console answered $code, want 303"
curl -sf -b "$jar" "$console/requests?state=parked" >"$dir/console-requests.html" || fail "the console's requests page failed"
grep -q 'data-request="tryout-extra"' "$dir/console-requests.html" || fail "the console's parked requests do not list tryout-extra"
curl -sf -b "$jar" "$console/requests/tryout-extra" >"$dir/console-request.html" || fail "the console's request page failed"
grep -q 'no free seat' "$dir/console-request.html" || fail "the console's request page does not show the reason"
msg=$(matchfile "$dir/console-request.html" 'data-deadletter="([^"]+)"')
[[ -n "$msg" ]] || fail "the console's request page links to no parked message"
ok "listed under parked, with its reason and its parked message $msg"

# -- 7. free a seat
step "7: a seat freed: one of the 190 offboarded"
cat >"$dir/off.json" <<JSON
{"schemaVersion":1,"requestId":"tryout-free-seat","account":{"upn":"$upn"},"reason":"left the project: frees a seat"}
JSON
"$vf" enqueue offboard "$dir/off.json" >/dev/null || fail "enqueue offboard exited $?"
waitfor 120 "the offboarding to be done" status tryout-free-seat "done"
ok "$upn offboarded: its seats are free"

# -- 8. replay from the console
step "8: replayed from the console"
curl -sf -b "$jar" "$console/deadletters/$msg" >"$dir/console-deadletter.html" || fail "the console's dead-letter page failed"
csrf=$(matchfile "$dir/console-deadletter.html" 'name="csrf" value="([^"]+)"')
[[ -n "$csrf" ]] || fail "the dead-letter page has no CSRF token in its replay form"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "id=$msg" "$console/deadletters/replay")
[[ "$code" == 303 ]] || fail "the console's replay answered $code, want 303"
ok "replayed $msg"

# -- 9. done
step "9: done"
waitfor 120 "tryout-extra to be done after the replay" status tryout-extra "done"
curl -sf -b "$jar" "$console/requests/tryout-extra" | grep -q 'id="request-status"[^>]*>done<' ||
  fail "the console's request page does not show tryout-extra done"
ok "tryout-extra is done, in the journal and on the console"

printf '\ntryout: all 9 steps passed in %dm%02ds\n' $((SECONDS / 60)) $((SECONDS % 60))
