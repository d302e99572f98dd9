// Package journaltest is the conformance suite of the journal port
// (engine.Journal): one set of table-driven tests that every
// implementation passes — the embedded SQLite journal (pkg/journal) and the
// Table Storage journal (pkg/tablejournal). Besides the behaviour of each
// method, it races exact duplicates, step starts, attempts and leases from
// many goroutines, and leases and duplicates from two processes sharing one
// store.
package journaltest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Journal is the port under test, with Stats and Close.
type Journal interface {
	engine.Journal
	statser
	prober
	io.Closer
}

// prober is the preflight of `vendorflow doctor`.
type prober interface {
	Probe(ctx context.Context) error
}

// Impl is one implementation under test.
type Impl struct {
	// NewStore makes an empty store and returns its locator (a file path,
	// a table prefix): every journal opened on it shares its state.
	NewStore func(t testing.TB) string
	// Open opens a journal on the store at loc with the clock clk.
	Open func(ctx context.Context, loc string, clk clock.Clock) (Journal, error)
	// AtomicBatch is set when Batch commits all of its calls or none.
	AtomicBatch bool
}

// Opener opens a journal on a fresh store, on a fake clock at T0.
type Opener func(t testing.TB) (engine.Journal, *clock.Fake)

// T0 is the fake clock's start in every test.
var T0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

var t0 = T0

func (impl Impl) opener() Opener {
	return func(t testing.TB) (engine.Journal, *clock.Fake) {
		t.Helper()
		clk := clock.NewFake(T0)
		return impl.openOn(t, impl.NewStore(t), clk), clk
	}
}

func (impl Impl) openOn(t testing.TB, loc string, clk clock.Clock) engine.Journal {
	t.Helper()
	j, err := impl.Open(context.Background(), loc, clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// Run runs the whole suite against impl. The package's TestMain must call
// ChildMain(impl) first, for the two-process tests.
func Run(t *testing.T, impl Impl) {
	open := impl.opener()
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Begin", testBegin},
		{"RequestNotFound", testRequestNotFound},
		{"SetStatus", testSetStatus},
		{"SetUPNAndCountAttempt", testSetUPNAndCountAttempt},
		{"RequestsFilter", testRequestsFilter},
		{"RequestsTies", testRequestsTies},
		{"RequestsDefaultLimit", testRequestsDefaultLimit},
		{"Stats", testStats},
		{"StepLifecycle", testStepLifecycle},
		{"StepsOrder", testStepsOrder},
		{"StepErrors", testStepErrors},
		{"MessagesAreCut", testMessagesAreCut},
		{"Accounts", testAccounts},
		{"Probe", testProbe},
		{"Leases", testLeases},
		{"RacingDuplicates", testRacingDuplicates},
		{"RacingWrites", testRacingWrites},
		{"RacingAccountUpdates", testRacingAccountUpdates},
		{"LeaseContention", testLeaseContention},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
	t.Run("Batch", func(t *testing.T) { testBatch(t, open, impl.AtomicBatch) })
	t.Run("TwoProcesses", func(t *testing.T) { testTwoProcesses(t, impl) })
}

// Request is a request record for tests, with a payload naming its id.
func Request(id, kind, fingerprint string) domain.RequestRecord {
	return domain.RequestRecord{ID: id, Kind: kind, Fingerprint: fingerprint, Payload: []byte(`{"requestId":"` + id + `"}`)}
}

// Begin records r in j, failing the test on error.
func Begin(t testing.TB, j engine.Journal, r domain.RequestRecord) domain.RequestRecord {
	t.Helper()
	got, _, err := j.Begin(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// WantCode fails unless err carries code ("" = no error).
func WantCode(t testing.TB, err error, code domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// statser counts requests by status (ops views).
type statser interface {
	Stats(ctx context.Context) (map[domain.RequestStatus]int, error)
}

// Requests begun at the same instant come latest id first.
func testRequestsTies(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	clk.Advance(time.Minute)
	for _, id := range []string{"b", "c", "a"} {
		Begin(t, j, Request(id, domain.KindOnboard, "fp-"+id))
	}
	clk.Advance(time.Minute)
	Begin(t, j, Request("z-later", domain.KindOnboard, "fp"))
	for _, tt := range []struct {
		limit int
		want  []string
	}{{0, []string{"z-later", "c", "b", "a"}}, {2, []string{"z-later", "c"}}, {3, []string{"z-later", "c", "b"}}} {
		got, err := j.Requests(ctx, engine.RequestFilter{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
			t.Errorf("limit %d (-want +got):\n%s", tt.limit, diff)
		}
	}
}

func ids(rs []domain.RequestRecord) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// racers is how many goroutines race in the concurrency tests.
const racers = 8

// race runs fn(i) for i in [0, n) at once and waits for all.
func race(n int, fn func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			fn(i)
		})
	}
	start.Done()
	done.Wait()
}

// Exact duplicates racing create the request once; every racer gets the
// stored record. A racer with other content is a Conflict.
func testRacingDuplicates(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	for round := range 5 {
		id := fmt.Sprintf("dup-%d", round)
		var mu sync.Mutex
		created, conflicts := 0, 0
		var got []domain.RequestRecord
		race(racers, func(i int) {
			fp := "fp"
			if i == racers-1 {
				fp = "other"
			}
			r, c, err := j.Begin(ctx, Request(id, domain.KindOnboard, fp))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case domain.ErrorCode(err) == domain.Conflict:
				conflicts++
			case err != nil:
				t.Errorf("Begin: %v", err)
			default:
				got = append(got, r)
				if c {
					created++
				}
			}
		})
		stored, err := j.Request(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// Either the odd one out won (and every other racer conflicts) or it lost.
		wantConflicts := 1
		if stored.Fingerprint == "other" {
			wantConflicts = racers - 1
		}
		if created != 1 || conflicts != wantConflicts {
			t.Errorf("round %d: created %d times, %d conflicts; want once and %d", round, created, conflicts, wantConflicts)
		}
		for _, r := range got {
			if diff := cmp.Diff(stored, r); diff != "" {
				t.Errorf("round %d: a racer got another record (-stored +got):\n%s", round, diff)
			}
		}
		all, err := j.Requests(ctx, engine.RequestFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(strings.Join(ids(all), " ")+" ", id+" "); n != 1 {
			t.Errorf("round %d: listed %d times, want once", round, n)
		}
	}
}

// Racing read-modify-writes lose no update.
func testRacingWrites(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	Begin(t, j, Request("r1", domain.KindOnboard, "fp"))
	const each = 3
	race(racers, func(int) {
		for range each {
			if _, err := j.CountAttempt(ctx, "r1"); err != nil {
				t.Errorf("CountAttempt: %v", err)
			}
			if _, err := j.StartStep(ctx, "r1", domain.StepValidate); err != nil {
				t.Errorf("StartStep: %v", err)
			}
		}
	})
	r, err := j.Request(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := j.Steps(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Attempts != racers*each || len(steps) != 1 || steps[0].Attempts != racers*each {
		t.Errorf("attempts = %d, steps = %+v; want %d attempts on one step", r.Attempts, steps, racers*each)
	}
}

// Racing read-modify-writes of one account record, the first of them on
// no record at all, lose no update, and keep the fields they do not touch.
func testRacingAccountUpdates(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	const each = 3
	race(racers, func(i int) {
		for range each {
			if err := j.UpdateAccount(ctx, "Raced_SA@ABC.com", func(a *domain.AccountRecord) {
				a.LastRequest += "x"
				if i == 0 {
					a.Sponsor = "pat@abc.com"
				}
			}); err != nil {
				t.Errorf("UpdateAccount: %v", err)
			}
		}
	})
	a, err := j.Account(ctx, "raced_sa@abc.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.LastRequest) != racers*each || a.Sponsor != "pat@abc.com" || a.UPN != "Raced_SA@ABC.com" {
		t.Errorf("after %d updates: %d applied, sponsor %q, upn %q; want every one, the sponsor kept, the UPN's spelling", racers*each, len(a.LastRequest), a.Sponsor, a.UPN)
	}
	WantCode(t, j.UpdateAccount(ctx, "", func(*domain.AccountRecord) {}), domain.Invalid)
}

// Many owners racing for one account's lease: exactly one wins, and every
// loser is told the winner. After expiry, racing take-overs again leave one
// owner.
func testLeaseContention(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	for round := range 2 {
		for k := range 5 {
			upn := fmt.Sprintf("Contended%d@ABC.com", k)
			holders := make([]string, racers)
			race(racers, func(i int) {
				upnCase := upn
				if i%2 == 1 {
					upnCase = strings.ToLower(upn)
				}
				h, err := j.AcquireLease(ctx, upnCase, fmt.Sprintf("r%d-%d", round, i), clk.Now().Add(time.Minute))
				if err != nil {
					t.Errorf("AcquireLease: %v", err)
				}
				holders[i] = h
			})
			checkOneWinner(t, fmt.Sprintf("round %d %s", round, upn), holders, func(i int) string { return fmt.Sprintf("r%d-%d", round, i) })
		}
		clk.Advance(2 * time.Minute) // every lease expires
	}
}

// checkOneWinner: exactly one owner got "" and all others name it.
func checkOneWinner(t *testing.T, what string, holders []string, owner func(i int) string) {
	t.Helper()
	winner := ""
	for i, h := range holders {
		if h == "" {
			if winner != "" {
				t.Errorf("%s: both %s and %s hold the lease", what, winner, owner(i))
			}
			winner = owner(i)
		}
	}
	if winner == "" {
		t.Errorf("%s: nobody got the lease: %v", what, holders)
		return
	}
	for i, h := range holders {
		if h != "" && h != winner {
			t.Errorf("%s: %s was told %s holds it, but %s does", what, owner(i), h, winner)
		}
	}
}

// Environment of a child process of testTwoProcesses.
const (
	childEnv = "VENDORFLOW_JOURNALTEST_CHILD"
	locEnv   = "VENDORFLOW_JOURNALTEST_STORE"
)

// contended is how many accounts and requests the two processes race for.
const contended = 20

// ChildMain runs the child side of the two-process test when this test
// binary was started as one, and exits; otherwise it returns at once. Call
// it first in TestMain.
func ChildMain(impl Impl) {
	name := os.Getenv(childEnv)
	if name == "" {
		return
	}
	os.Exit(child(impl, name, os.Getenv(locEnv)))
}

// child opens the shared store, says "ready", waits for a line on stdin
// (so that both processes start together), then races for every lease and
// begins every duplicate, printing one line per result.
func child(impl Impl, name, loc string) int {
	ctx := context.Background()
	clk := clock.Real{} // two processes: one wall clock
	j, err := impl.Open(ctx, loc, clk)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer j.Close()
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for k := range contended {
		h, err := j.AcquireLease(ctx, fmt.Sprintf("p%d@abc.com", k), name, clk.Now().Add(time.Hour))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		_, created, err := j.Begin(ctx, Request(fmt.Sprintf("pdup-%d", k), domain.KindOnboard, "fp"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("%d holder=%s created=%v\n", k, h, created)
	}
	return 0
}

// Two processes sharing one store race for the same leases and begin the
// same requests: one lease owner and one creation each.
func testTwoProcesses(t *testing.T, impl Impl) {
	loc := impl.NewStore(t)
	names := []string{"proc-a", "proc-b"}
	type proc struct {
		cmd   *exec.Cmd
		in    io.WriteCloser
		out   *bufio.Scanner
		lines []string
	}
	procs := make([]*proc, len(names))
	for i, name := range names {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+name, locEnv+"="+loc)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		procs[i] = &proc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	}
	for i, p := range procs {
		if !p.out.Scan() || p.out.Text() != "ready" {
			t.Fatalf("%s did not get ready: %q %v", names[i], p.out.Text(), p.out.Err())
		}
	}
	for _, p := range procs {
		if _, err := io.WriteString(p.in, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range procs {
		for p.out.Scan() {
			p.lines = append(p.lines, p.out.Text())
		}
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
		if len(p.lines) != contended {
			t.Fatalf("%s printed %d results, want %d: %q", names[i], len(p.lines), contended, p.lines)
		}
	}
	for k := range contended {
		holders := make([]string, len(procs))
		created := 0
		for i, p := range procs {
			var n int
			var h, c string
			fields := strings.Fields(p.lines[k])
			if len(fields) != 3 {
				t.Fatalf("%s: line %q", names[i], p.lines[k])
			}
			fmt.Sscan(fields[0], &n)
			h, c = strings.TrimPrefix(fields[1], "holder="), strings.TrimPrefix(fields[2], "created=")
			if n != k {
				t.Fatalf("%s: line %d is %q", names[i], k, p.lines[k])
			}
			holders[i] = h
			if c == "true" {
				created++
			}
		}
		checkOneWinner(t, fmt.Sprintf("lease p%d", k), holders, func(i int) string { return names[i] })
		if created != 1 {
			t.Errorf("pdup-%d was created %d times, want once", k, created)
		}
	}
}

func testBegin(t *testing.T, open Opener) {
	stored := domain.RequestRecord{
		ID: "r1", Kind: domain.KindOnboard, Fingerprint: "fp-1", Payload: []byte(`{"requestId":"r1"}`),
		Status: domain.RequestReceived, CreatedAt: t0, UpdatedAt: t0, IntentAt: t0,
	}
	tests := []struct {
		name        string
		existing    []domain.RequestRecord // begun at t0
		in          domain.RequestRecord   // begun an hour later
		want        domain.RequestRecord
		wantCreated bool
		wantCode    domain.Code
		wantText    string
	}{
		{
			name: "create",
			// status, attempts and reason of the input are not taken
			in: domain.RequestRecord{ID: "r1", Kind: domain.KindOnboard, Fingerprint: "fp-1", Payload: []byte(`{"requestId":"r1"}`),
				Status: domain.RequestDone, Attempts: 7, Reason: "x", ReasonCode: domain.Business, UPN: "a@abc.com"},
			want: func() domain.RequestRecord {
				r := stored
				r.UPN, r.CreatedAt, r.UpdatedAt, r.IntentAt = "a@abc.com", t0.Add(time.Hour), t0.Add(time.Hour), t0.Add(time.Hour)
				return r
			}(),
			wantCreated: true,
		},
		{
			name: "create with the queue's intent time",
			in: domain.RequestRecord{ID: "r1", Kind: domain.KindOnboard, Fingerprint: "fp-1", Payload: []byte(`{"requestId":"r1"}`),
				IntentAt: t0.Add(-time.Minute)},
			want: func() domain.RequestRecord {
				r := stored
				r.CreatedAt, r.UpdatedAt, r.IntentAt = t0.Add(time.Hour), t0.Add(time.Hour), t0.Add(-time.Minute)
				return r
			}(),
			wantCreated: true,
		},
		{
			name:     "existing, same fingerprint",
			existing: []domain.RequestRecord{Request("r1", domain.KindOnboard, "fp-1")},
			in:       Request("r1", domain.KindOnboard, "fp-1"),
			want:     stored,
		},
		{
			name:     "existing, other fingerprint",
			existing: []domain.RequestRecord{Request("r1", domain.KindOnboard, "fp-1")},
			in:       Request("r1", domain.KindOnboard, "fp-2"),
			wantCode: domain.Conflict,
			wantText: `requestId "r1" was reused with different content`,
		},
		{name: "no id", in: Request("", domain.KindOnboard, "fp"), wantCode: domain.Invalid},
		{name: "no kind", in: Request("r1", "", "fp"), wantCode: domain.Invalid},
		{name: "no fingerprint", in: Request("r1", domain.KindOnboard, ""), wantCode: domain.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			j, clk := open(t)
			for _, r := range tt.existing {
				Begin(t, j, r)
			}
			clk.Advance(time.Hour)
			got, created, err := j.Begin(ctx, tt.in)
			WantCode(t, err, tt.wantCode)
			if err != nil {
				if !strings.Contains(domain.ErrorMessage(err), tt.wantText) {
					t.Errorf("message %q does not contain %q", domain.ErrorMessage(err), tt.wantText)
				}
				return
			}
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Begin (-want +got):\n%s", diff)
			}
			read, err := j.Request(ctx, tt.in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, read); diff != "" {
				t.Errorf("Request after Begin (-want +got):\n%s", diff)
			}
		})
	}
}

func testRequestNotFound(t *testing.T, open Opener) {
	j, _ := open(t)
	_, err := j.Request(context.Background(), "nope")
	WantCode(t, err, domain.NotFound)
}

// moveTo drives a new request from received to status through allowed moves.
func moveTo(t *testing.T, j interface {
	SetStatus(context.Context, string, domain.RequestStatus, domain.Code, string) error
}, id string, status domain.RequestStatus) {
	t.Helper()
	paths := map[domain.RequestStatus][]domain.RequestStatus{
		domain.RequestReceived:   nil,
		domain.RequestRunning:    {domain.RequestRunning},
		domain.RequestRetrying:   {domain.RequestRunning, domain.RequestRetrying},
		domain.RequestParked:     {domain.RequestParked},
		domain.RequestDone:       {domain.RequestRunning, domain.RequestDone},
		domain.RequestSuperseded: {domain.RequestSuperseded},
	}
	for _, s := range paths[status] {
		if err := j.SetStatus(context.Background(), id, s, "", ""); err != nil {
			t.Fatalf("move %s to %s: %v", id, s, err)
		}
	}
}

func testSetStatus(t *testing.T, open Opener) {
	tests := []struct {
		from, to domain.RequestStatus
		wantCode domain.Code
	}{
		{domain.RequestReceived, domain.RequestRunning, ""},
		{domain.RequestReceived, domain.RequestParked, ""},
		{domain.RequestRunning, domain.RequestRunning, ""},
		{domain.RequestRunning, domain.RequestRetrying, ""},
		{domain.RequestRunning, domain.RequestDone, ""},
		{domain.RequestRetrying, domain.RequestRunning, ""},
		{domain.RequestParked, domain.RequestRunning, ""},
		{domain.RequestParked, domain.RequestSuperseded, ""},
		{domain.RequestReceived, domain.RequestDone, domain.Conflict},
		{domain.RequestReceived, domain.RequestRetrying, domain.Conflict},
		{domain.RequestRetrying, domain.RequestDone, domain.Conflict},
		{domain.RequestDone, domain.RequestRunning, domain.Conflict},
		{domain.RequestSuperseded, domain.RequestRunning, domain.Conflict},
		{domain.RequestRunning, "bogus", domain.Conflict},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			ctx := context.Background()
			j, clk := open(t)
			Begin(t, j, Request("r1", domain.KindOnboard, "fp"))
			moveTo(t, j, "r1", tt.from)
			before, err := j.Request(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)
			err = j.SetStatus(ctx, "r1", tt.to, domain.Transient, "graph answered 503")
			WantCode(t, err, tt.wantCode)
			want := before
			if err == nil {
				want.Status, want.ReasonCode, want.Reason, want.UpdatedAt = tt.to, domain.Transient, "graph answered 503", t0.Add(time.Minute)
			} else if !strings.Contains(err.Error(), "r1") {
				t.Errorf("error %q does not name the request", err)
			}
			got, err := j.Request(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing request", func(t *testing.T) {
		j, _ := open(t)
		WantCode(t, j.SetStatus(context.Background(), "nope", domain.RequestRunning, "", ""), domain.NotFound)
	})
}

func testSetUPNAndCountAttempt(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	Begin(t, j, Request("r1", domain.KindOffboard, "fp"))
	clk.Advance(time.Second)
	if err := j.SetUPN(ctx, "r1", "vendor1_a@abc.com"); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		clk.Advance(time.Second)
		n, err := j.CountAttempt(ctx, "r1")
		if err != nil || n != want {
			t.Fatalf("CountAttempt = %d, %v; want %d", n, err, want)
		}
	}
	got, err := j.Request(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.UPN != "vendor1_a@abc.com" || got.Attempts != 3 || !got.UpdatedAt.Equal(t0.Add(4*time.Second)) {
		t.Errorf("record = %+v", got)
	}
	WantCode(t, j.SetUPN(ctx, "nope", "x@abc.com"), domain.NotFound)
	_, err = j.CountAttempt(ctx, "nope")
	WantCode(t, err, domain.NotFound)
}

func testRequestsFilter(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	// r1..r5 begun a minute apart; then r2 is updated last, which does not
	// move it: listings are newest first by creation.
	seed := []struct {
		id, kind string
		status   domain.RequestStatus
	}{
		{"r1", domain.KindOnboard, domain.RequestReceived},
		{"r2", domain.KindOnboard, domain.RequestParked},
		{"r3", domain.KindOffboard, domain.RequestParked},
		{"r4", domain.KindOffboard, domain.RequestDone},
		{"r5", domain.KindOnboard, domain.RequestReceived},
	}
	for _, s := range seed {
		clk.Advance(time.Minute)
		Begin(t, j, Request(s.id, s.kind, "fp-"+s.id))
		moveTo(t, j, s.id, s.status)
	}
	clk.Advance(time.Minute)
	if err := j.SetUPN(ctx, "r2", "x@abc.com"); err != nil {
		t.Fatal(err)
	}
	if err := j.SetUPN(ctx, "r4", "X@ABC.com"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter engine.RequestFilter
		want   []string
	}{
		{"all, newest first", engine.RequestFilter{}, []string{"r5", "r4", "r3", "r2", "r1"}},
		{"by status", engine.RequestFilter{Status: domain.RequestParked}, []string{"r3", "r2"}},
		{"by kind", engine.RequestFilter{Kind: domain.KindOffboard}, []string{"r4", "r3"}},
		{"by status and kind", engine.RequestFilter{Status: domain.RequestReceived, Kind: domain.KindOnboard}, []string{"r5", "r1"}},
		{"limit", engine.RequestFilter{Limit: 2}, []string{"r5", "r4"}},
		{"none", engine.RequestFilter{Status: domain.RequestRetrying}, []string{}},
		{"by account, any letter case", engine.RequestFilter{UPN: "x@ABC.com"}, []string{"r4", "r2"}},
		{"created in [since, until)", engine.RequestFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, []string{"r3", "r2"}},
		{"account and range", engine.RequestFilter{UPN: "x@abc.com", Since: t0.Add(3 * time.Minute)}, []string{"r4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := j.Requests(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	_, err := j.Requests(ctx, engine.RequestFilter{Limit: -1})
	WantCode(t, err, domain.Invalid)
}

func testRequestsDefaultLimit(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	for i := range 101 {
		clk.Advance(time.Millisecond)
		Begin(t, j, Request(fmt.Sprintf("r%03d", i), domain.KindOnboard, "fp"))
	}
	got, err := j.Requests(ctx, engine.RequestFilter{})
	if err != nil || len(got) != 100 {
		t.Fatalf("Requests = %d records, %v; want 100", len(got), err)
	}
}

func testStats(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	for id, s := range map[string]domain.RequestStatus{
		"r1": domain.RequestReceived, "r2": domain.RequestParked, "r3": domain.RequestParked, "r4": domain.RequestDone,
	} {
		Begin(t, j, Request(id, domain.KindOnboard, "fp"))
		moveTo(t, j, id, s)
	}
	got, err := j.(statser).Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[domain.RequestStatus]int{
		domain.RequestReceived: 1, domain.RequestRunning: 0, domain.RequestRetrying: 0,
		domain.RequestParked: 2, domain.RequestDone: 1, domain.RequestSuperseded: 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// One step through start → fail → start → finish, a minute per operation;
// after each operation the step record must be exactly want.
func testStepLifecycle(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	Begin(t, j, Request("r1", domain.KindOnboard, "fp"))
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	outputs := map[string]string{"userId": "8f0c-11", "upn": "vendor1_a@abc.com"}
	ops := []struct {
		name string
		do   func() error
		want domain.StepRecord
	}{
		{
			name: "start",
			do: func() error {
				got, err := j.StartStep(ctx, "r1", domain.StepEnsureUser)
				if diff := cmp.Diff(domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepRunning,
					Attempts: 1, StartedAt: at(1)}, got); diff != "" {
					t.Errorf("StartStep result (-want +got):\n%s", diff)
				}
				return err
			},
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepRunning, Attempts: 1, StartedAt: at(1)},
		},
		{
			name: "fail",
			do: func() error {
				return j.FailStep(ctx, "r1", domain.StepEnsureUser, domain.Transient, "graph: 503 Service Unavailable")
			},
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepFailed, Attempts: 1,
				ErrorCode: domain.Transient, Error: "graph: 503 Service Unavailable", StartedAt: at(1), FinishedAt: at(2)},
		},
		{
			name: "start again: attempt counted, last error kept",
			do: func() error {
				got, err := j.StartStep(ctx, "r1", domain.StepEnsureUser)
				if got.Attempts != 2 || got.Status != domain.StepRunning {
					t.Errorf("StartStep result = %+v", got)
				}
				return err
			},
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepRunning, Attempts: 2,
				ErrorCode: domain.Transient, Error: "graph: 503 Service Unavailable", StartedAt: at(3)},
		},
		{
			name: "finish",
			do:   func() error { return j.FinishStep(ctx, "r1", domain.StepEnsureUser, outputs) },
			want: domain.StepRecord{RequestID: "r1", Step: domain.StepEnsureUser, Status: domain.StepDone, Attempts: 2,
				StartedAt: at(3), FinishedAt: at(4), Outputs: outputs},
		},
	}
	for _, op := range ops {
		clk.Advance(time.Minute)
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		got, err := j.Steps(ctx, "r1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]domain.StepRecord{op.want}, got); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", op.name, diff)
		}
	}
}

func testStepsOrder(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	Begin(t, j, Request("r1", domain.KindOnboard, "fp1"))
	Begin(t, j, Request("r2", domain.KindOnboard, "fp2"))
	Begin(t, j, Request("r3", domain.KindOnboard, "fp3"))
	starts := []struct {
		id   string
		step domain.Step
	}{
		{"r1", domain.StepValidate},
		{"r2", domain.StepValidate},
		{"r1", domain.StepEnsureUser},
		{"r1", domain.StepEnsureSegment},
		{"r1", domain.StepValidate}, // a restart keeps the first position
		{"r2", domain.StepEnsureUser},
		{"r1", domain.StepEnsureLicenses},
	}
	for _, s := range starts {
		if _, err := j.StartStep(ctx, s.id, s.step); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		id   string
		want []domain.Step
	}{
		{"r1", []domain.Step{domain.StepValidate, domain.StepEnsureUser, domain.StepEnsureSegment, domain.StepEnsureLicenses}},
		{"r2", []domain.Step{domain.StepValidate, domain.StepEnsureUser}},
		{"r3", []domain.Step{}},
	}
	for _, tt := range tests {
		got, err := j.Steps(ctx, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		names := []domain.Step{}
		for _, s := range got {
			names = append(names, s.Step)
		}
		if diff := cmp.Diff(tt.want, names); diff != "" {
			t.Errorf("%s steps (-want +got):\n%s", tt.id, diff)
		}
	}
}

func testStepErrors(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	Begin(t, j, Request("r1", domain.KindOnboard, "fp"))
	tests := []struct {
		name string
		err  func() error
		code domain.Code
	}{
		{"start, missing request", func() error { _, err := j.StartStep(ctx, "nope", domain.StepValidate); return err }, domain.NotFound},
		{"start, empty step", func() error { _, err := j.StartStep(ctx, "r1", ""); return err }, domain.Invalid},
		{"finish, not started", func() error { return j.FinishStep(ctx, "r1", domain.StepValidate, nil) }, domain.NotFound},
		{"finish, missing request", func() error { return j.FinishStep(ctx, "nope", domain.StepValidate, nil) }, domain.NotFound},
		{"fail, not started", func() error { return j.FailStep(ctx, "r1", domain.StepValidate, domain.Business, "x") }, domain.NotFound},
		{"steps, missing request", func() error { _, err := j.Steps(ctx, "nope"); return err }, domain.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { WantCode(t, tt.err(), tt.code) })
	}
	got, err := j.Steps(ctx, "r1")
	if err != nil || len(got) != 0 {
		t.Errorf("Steps after refused writes = %+v, %v; want none", got, err)
	}
}

// Long texts are cut (a guard against storing whole response bodies).
func testMessagesAreCut(t *testing.T, open Opener) {
	long := strings.Repeat("é", 4000) // 2 bytes each
	exact := strings.Repeat("a", domain.MaxMessageLen)
	cutTo := strings.Repeat("é", domain.MaxMessageLen-1) + "…"
	tests := []struct{ name, in, want string }{
		{"short", "no free seat", "no free seat"},
		{"exactly the limit", exact, exact},
		{"longer", long, cutTo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			j, _ := open(t)
			Begin(t, j, Request("r1", domain.KindOnboard, "fp"))
			if _, err := j.StartStep(ctx, "r1", domain.StepEnsureLicenses); err != nil {
				t.Fatal(err)
			}
			if err := j.FailStep(ctx, "r1", domain.StepEnsureLicenses, domain.Business, tt.in); err != nil {
				t.Fatal(err)
			}
			if err := j.SetStatus(ctx, "r1", domain.RequestParked, domain.Business, tt.in); err != nil {
				t.Fatal(err)
			}
			steps, err := j.Steps(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			r, err := j.Request(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			for what, got := range map[string]string{"step error": steps[0].Error, "reason": r.Reason} {
				if got != tt.want {
					t.Errorf("%s: %d characters, want %d", what, utf8.RuneCountInString(got), utf8.RuneCountInString(tt.want))
				}
			}
		})
	}
}

func testAccounts(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	first := domain.AccountRecord{
		UPN: "Vendor1_A@ABC.com", UserID: "u-1", Vendor: "vendor1", Email: "a@vendor1.com",
		State: domain.AccountActive, ContractEnd: end, LastRequest: "r1", IntentAt: t0.Add(-time.Hour), CredentialID: "tap-1",
		ClaimedBy: "r1", ClaimedAt: t0.Add(-time.Hour),
		UpdatedAt: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), // ignored: the clock's time is stored
	}
	if err := j.PutAccount(ctx, first); err != nil {
		t.Fatal(err)
	}
	want := first
	want.UpdatedAt = t0
	for _, upn := range []string{"Vendor1_A@ABC.com", "vendor1_a@abc.com", "VENDOR1_A@abc.COM"} {
		got, err := j.Account(ctx, upn)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Account(%s) (-want +got):\n%s", upn, diff)
		}
	}

	// Replacing under another spelling replaces the one record; unset times stay unset.
	clk.Advance(time.Hour)
	second := domain.AccountRecord{UPN: "vendor1_a@abc.com", UserID: "u-1", State: domain.AccountOffboarded, LastRequest: "r2"}
	if err := j.PutAccount(ctx, second); err != nil {
		t.Fatal(err)
	}
	want = second
	want.UpdatedAt = t0.Add(time.Hour)
	got, err := j.Account(ctx, "VENDOR1_A@ABC.COM")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after replace (-want +got):\n%s", diff)
	}

	_, err = j.Account(ctx, "other@abc.com")
	WantCode(t, err, domain.NotFound)
	WantCode(t, j.PutAccount(ctx, domain.AccountRecord{State: domain.AccountActive}), domain.Invalid)

	// Listing: every record once, by lower-cased UPN; leases are not accounts.
	for _, upn := range []string{"zed_SA@ABC.com", "Bea_SA@ABC.com"} {
		if err := j.PutAccount(ctx, domain.AccountRecord{UPN: upn, State: domain.AccountActive}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.AcquireLease(ctx, "bea_sa@abc.com", "r1", clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var listed []string
	if err := j.Accounts(ctx, func(a domain.AccountRecord) error { listed = append(listed, a.UPN+"="+string(a.State)); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Bea_SA@ABC.com=active", "vendor1_a@abc.com=offboarded", "zed_SA@ABC.com=active"}, listed); diff != "" {
		t.Errorf("Accounts (-want +got):\n%s", diff)
	}
	stop := errors.New("enough")
	n := 0
	if err := j.Accounts(ctx, func(domain.AccountRecord) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("Accounts with a failing fn: %v after %d calls, want the fn's error after 1", err, n)
	}
}

func testLeases(t *testing.T, open Opener) {
	ctx := context.Background()
	j, clk := open(t)
	steps := []struct {
		name       string
		advance    time.Duration
		do         func() (string, error)
		wantHolder string
	}{
		{"first owner takes it", 0, func() (string, error) { return j.AcquireLease(ctx, "a@ABC.com", "r1", clk.Now().Add(time.Minute)) }, ""},
		{"second owner is told who holds it", 0, func() (string, error) { return j.AcquireLease(ctx, "A@abc.com", "r2", clk.Now().Add(time.Minute)) }, "r1"},
		{"the owner renews", 0, func() (string, error) { return j.AcquireLease(ctx, "a@abc.com", "r1", clk.Now().Add(time.Minute)) }, ""},
		{"an expired lease is taken over", 2 * time.Minute, func() (string, error) { return j.AcquireLease(ctx, "a@abc.com", "r2", clk.Now().Add(time.Minute)) }, ""},
		{"release by a non-owner changes nothing", 0, func() (string, error) {
			if err := j.ReleaseLease(ctx, "a@abc.com", "r1"); err != nil {
				return "", err
			}
			return j.AcquireLease(ctx, "a@abc.com", "r3", clk.Now().Add(time.Minute))
		}, "r2"},
		{"release by the owner frees it", 0, func() (string, error) {
			if err := j.ReleaseLease(ctx, "a@abc.com", "r2"); err != nil {
				return "", err
			}
			return j.AcquireLease(ctx, "a@abc.com", "r3", clk.Now().Add(time.Minute))
		}, ""},
		{"other accounts are independent", 0, func() (string, error) { return j.AcquireLease(ctx, "b@abc.com", "r9", clk.Now().Add(time.Minute)) }, ""},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		holder, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if holder != s.wantHolder {
			t.Fatalf("%s: holder = %q, want %q", s.name, holder, s.wantHolder)
		}
	}
}

// Batch: calls inside see each other's writes, a nested Batch joins, a
// committed batch is visible afterwards, and a failed one leaves nothing
// (atomic journals) or the calls before the failure (the others); its
// error comes back unchanged.
func testBatch(t *testing.T, open Opener, atomic bool) {
	ctx := context.Background()
	j, _ := open(t)
	err := j.Batch(ctx, func(ctx context.Context) error {
		if _, _, err := j.Begin(ctx, Request("b1", domain.KindOnboard, "fp")); err != nil {
			return err
		}
		if _, err := j.StartStep(ctx, "b1", domain.StepValidate); err != nil {
			return err
		}
		return j.Batch(ctx, func(ctx context.Context) error {
			steps, err := j.Steps(ctx, "b1")
			if err != nil || len(steps) != 1 || steps[0].Status != domain.StepRunning {
				t.Errorf("Steps inside the batch = %+v, %v; want validate running", steps, err)
			}
			return j.FinishStep(ctx, "b1", domain.StepValidate, map[string]string{"upn": "a@b"})
		})
	})
	if err != nil {
		t.Fatalf("Batch = %v", err)
	}
	steps, err := j.Steps(ctx, "b1")
	if err != nil || len(steps) != 1 || steps[0].Status != domain.StepDone || steps[0].Outputs["upn"] != "a@b" {
		t.Fatalf("Steps after the batch = %+v, %v; want validate done", steps, err)
	}

	boom := errors.New("boom")
	err = j.Batch(ctx, func(ctx context.Context) error {
		if _, _, err := j.Begin(ctx, Request("b2", domain.KindOnboard, "fp")); err != nil {
			return err
		}
		if err := j.SetStatus(ctx, "b1", domain.RequestRunning, "", ""); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("failed Batch = %v, want its own error unchanged", err)
	}
	_, err2 := j.Request(ctx, "b2")
	r1, err1 := j.Request(ctx, "b1")
	if err1 != nil {
		t.Fatal(err1)
	}
	if atomic {
		if domain.ErrorCode(err2) != domain.NotFound || r1.Status != domain.RequestReceived {
			t.Errorf("after a failed atomic batch: b2 %v, b1 %s; want b2 NotFound, b1 received", err2, r1.Status)
		}
	} else if err2 != nil || r1.Status != domain.RequestRunning {
		t.Errorf("after a failed batch: b2 %v, b1 %s; want the calls before the failure kept", err2, r1.Status)
	}
}

// testProbe: Probe succeeds on an empty and on a used journal and leaves
// nothing behind that the journal would list.
func testProbe(t *testing.T, open Opener) {
	ctx := context.Background()
	j, _ := open(t)
	p, ok := j.(prober)
	if !ok {
		t.Fatalf("%T has no Probe", j)
	}
	count := func() int {
		n := 0
		if err := j.Accounts(ctx, func(domain.AccountRecord) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := p.Probe(ctx); err != nil {
		t.Fatalf("Probe on an empty journal: %v", err)
	}
	if n := count(); n != 0 {
		t.Errorf("after Probe: %d accounts, want 0", n)
	}
	if err := j.PutAccount(ctx, domain.AccountRecord{UPN: "Vendor1_A@ABC.com", UserID: "u-1", Vendor: "vendor1", State: domain.AccountActive}); err != nil {
		t.Fatal(err)
	}
	if err := p.Probe(ctx); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if n := count(); n != 1 {
		t.Errorf("after Probe: %d accounts, want 1", n)
	}
}
