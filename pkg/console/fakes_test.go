package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/console"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/reach"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

var t0 = time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC)

// token is the fakes' admin token.
const token = "console-test-token-0123456789abcdef"

// journal is a fake journal: requests newest last, steps by request,
// accounts by UPN.
type journal struct {
	requests []domain.RequestRecord
	steps    map[string][]domain.StepRecord
	accounts []domain.AccountRecord
}

func (j *journal) Requests(_ context.Context, f engine.RequestFilter) ([]domain.RequestRecord, error) {
	var out []domain.RequestRecord
	for _, r := range slices.Backward(j.requests) {
		if (f.Status == "" || r.Status == f.Status) && (f.Kind == "" || r.Kind == f.Kind) && (f.Since.IsZero() || !r.CreatedAt.Before(f.Since)) {
			out = append(out, r)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (j *journal) Request(_ context.Context, id string) (domain.RequestRecord, error) {
	for _, r := range j.requests {
		if r.ID == id {
			return r, nil
		}
	}
	return domain.RequestRecord{}, domain.Errorf(domain.NotFound, "no request %s", id)
}

func (j *journal) Steps(_ context.Context, id string) ([]domain.StepRecord, error) {
	return j.steps[id], nil
}

func (j *journal) Account(_ context.Context, upn string) (domain.AccountRecord, error) {
	for _, a := range j.accounts {
		if strings.EqualFold(a.UPN, upn) {
			return a, nil
		}
	}
	return domain.AccountRecord{}, domain.Errorf(domain.NotFound, "no account %s", upn)
}

func (j *journal) Accounts(_ context.Context, fn func(domain.AccountRecord) error) error {
	for _, a := range j.accounts {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// store is a fake dead-letter store that records every replay and purge.
type store struct {
	mu sync.Mutex
	// err, when set, is every call's answer
	err      error
	items    []handler.DeadLetter
	replayed []handler.Filter
	purged   []handler.Filter
}

func (s *store) List(_ context.Context, f handler.Filter) ([]handler.DeadLetter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []handler.DeadLetter
	for _, d := range s.items {
		if f.Matches(d) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *store) take(f handler.Filter) int {
	n := len(s.items)
	s.items = slices.DeleteFunc(s.items, f.Matches)
	return n - len(s.items)
}

func (s *store) Replay(_ context.Context, f handler.Filter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replayed = append(s.replayed, f)
	return s.take(f), nil
}

func (s *store) Purge(_ context.Context, f handler.Filter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purged = append(s.purged, f)
	return s.take(f), nil
}

// sweep answers a fixed preview.
type sweep struct{ p engine.SweepPreview }

func (s sweep) PreviewSweep(_ context.Context, now time.Time) (engine.SweepPreview, error) {
	p := s.p
	p.Now = now
	return p, nil
}

// reacher answers from a table of allowed pairs; anyone else is unknown.
type reacher map[[2]string]bool

func (r reacher) Check(_ context.Context, a, b string) (reach.Answer, error) {
	allowed, ok := r[[2]string{a, b}]
	if !ok {
		return reach.Answer{}, domain.Errorf(domain.NotFound, "no service account of %s", a)
	}
	ans := reach.Answer{From: reach.Party{Who: a, UPN: a, Segments: []string{"Vendor1"}}, To: reach.Party{Who: b, UPN: b, Segments: []string{"Experts"}}}
	ans.Verdict.Allowed, ans.Verdict.Decider = allowed, "Vendor1-allow"
	if !allowed {
		ans.Verdict.Reason = "Vendor1-allow does not list Vendor2"
	}
	return ans, nil
}

// fixture is a console over fakes holding a small day of work.
type fixture struct {
	t       *testing.T
	clk     *clock.Fake
	journal *journal
	store   *store
	c       *console.Console
}

// requestIDs of the fixture.
const (
	doneID   = "po-4711-ada"
	parkedID = "po-4712-bob"
	runID    = "po-4713-cy"
	oddMsgID = "weird/id?x=1 #2"
)

func body(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func newFixture(t *testing.T, auth console.Auth) *fixture {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	onboard := func(id, vendor, email string) []byte {
		return body(domain.OnboardRequest{SchemaVersion: 1, RequestID: id, Vendor: vendor,
			Person: domain.Person{GivenName: "Test", Surname: "Person", Email: email}, Contract: domain.Period{Start: "2027-01-01", End: "2027-03-31"}})
	}
	j := &journal{
		requests: []domain.RequestRecord{
			{ID: doneID, Kind: domain.KindOnboard, Payload: onboard(doneID, "Vendor1", "ada@vendor1.com"), Status: domain.RequestDone,
				UPN: "ada_SA@ABC.com", Attempts: 1, CreatedAt: t0.Add(-3 * time.Hour), UpdatedAt: t0.Add(-3 * time.Hour)},
			{ID: parkedID, Kind: domain.KindOnboard, Payload: onboard(parkedID, "Vendor2", "bob@vendor2.com"), Status: domain.RequestParked,
				ReasonCode: domain.Business, Reason: "no free seat of MICROSOFT_REMOTE_ASSIST", UPN: "bob_SA@ABC.com", Attempts: 1,
				CreatedAt: t0.Add(-2 * time.Hour), UpdatedAt: t0.Add(-2 * time.Hour)},
			{ID: runID, Kind: domain.KindOffboard, Payload: body(domain.OffboardRequest{SchemaVersion: 1, RequestID: runID, Account: domain.AccountRef{UPN: "cy_SA@ABC.com"}}),
				Status: domain.RequestRetrying, Reason: "Graph answered 503", ReasonCode: domain.Transient, UPN: "cy_SA@ABC.com", Attempts: 2,
				CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(-time.Hour)},
		},
		steps: map[string][]domain.StepRecord{
			doneID: {
				{RequestID: doneID, Step: domain.StepValidate, Status: domain.StepDone, Attempts: 1, StartedAt: t0.Add(-3 * time.Hour), FinishedAt: t0.Add(-3*time.Hour + 20*time.Millisecond)},
				{RequestID: doneID, Step: domain.StepEnsureUser, Status: domain.StepDone, Attempts: 1, StartedAt: t0.Add(-3 * time.Hour), FinishedAt: t0.Add(-3*time.Hour + 2*time.Second)},
			},
			parkedID: {
				{RequestID: parkedID, Step: domain.StepValidate, Status: domain.StepDone, Attempts: 1, StartedAt: t0.Add(-2 * time.Hour), FinishedAt: t0.Add(-2 * time.Hour)},
				{RequestID: parkedID, Step: domain.StepEnsureLicenses, Status: domain.StepFailed, Attempts: 1, ErrorCode: domain.Business,
					Error: "no free seat of MICROSOFT_REMOTE_ASSIST", StartedAt: t0.Add(-2 * time.Hour), FinishedAt: t0.Add(-2 * time.Hour)},
			},
		},
		accounts: []domain.AccountRecord{
			{UPN: "ada_SA@ABC.com", Vendor: "Vendor1", Email: "ada@vendor1.com", State: domain.AccountActive, ContractEnd: t0.Add(5 * 24 * time.Hour),
				Sponsor: "pat.sponsor@ABC.com", LastRequest: doneID, CredentialID: "cred-id-77", UpdatedAt: t0},
			{UPN: "cy_SA@ABC.com", Vendor: "Vendor2", Email: "cy@vendor2.com", State: domain.AccountOffboarded, ContractEnd: t0.Add(-40 * 24 * time.Hour),
				Sponsor: "pat.sponsor@ABC.com", LastRequest: runID, UpdatedAt: t0},
			{UPN: "dee_SA@ABC.com", Vendor: "Vendor2", Email: "dee@vendor2.com", State: domain.AccountActive, ContractEnd: t0.Add(90 * 24 * time.Hour),
				Sponsor: "sam.sponsor@ABC.com", UpdatedAt: t0},
		},
	}
	st := &store{items: []handler.DeadLetter{
		{Source: handler.SourceParked, Queue: "parked", MessageID: parkedID, RequestID: parkedID, Code: string(domain.Business),
			Reason: "no free seat of MICROSOFT_REMOTE_ASSIST", DeadLetteredAt: t0.Add(-2 * time.Hour), Attempts: 0, Body: onboard(parkedID, "Vendor2", "bob@vendor2.com")},
		{Source: handler.SourceDeadLetter, Queue: "offboard", MessageID: runID + "-retry-1-abc", RequestID: runID, Code: "MaxDeliveryCountExceeded",
			Reason: "MaxDeliveryCountExceeded: delivered 10 times", DeadLetteredAt: t0.Add(-time.Hour), DeliveryCount: 10, Body: []byte(`{"requestId":"` + runID + `"}`)},
		{Source: handler.SourceParked, Queue: "parked", MessageID: oddMsgID, Code: string(domain.Invalid),
			Reason: "field schemaVersion must be a whole number", DeadLetteredAt: t0.Add(-30 * time.Minute), Body: []byte("not json <b>at all</b>")},
	}}
	pv := engine.SweepPreview{
		Offboard:        []engine.Expiry{{UPN: "old_SA@ABC.com", ContractEnd: t0.Add(-24 * time.Hour), MessageID: "expiry-0123abcd"}},
		Warn:            []engine.Warning{{UPN: "ada_SA@ABC.com", Sponsor: "pat.sponsor@ABC.com", ContractEnd: t0.Add(5 * 24 * time.Hour)}},
		NotWarned:       []engine.NotWarned{{UPN: "eve_SA@ABC.com", ContractEnd: t0.Add(6 * 24 * time.Hour), Reason: engine.SkipNoSponsor}},
		Delete:          []engine.Retired{{UPN: "gone_SA@ABC.com", ContractEnd: t0.Add(-40 * 24 * time.Hour)}},
		RetentionCutoff: t0.Add(-30 * 24 * time.Hour),
	}
	if auth.Token.IsZero() && auth.Mode == "" {
		auth.Token = secret.New(token)
	}
	c, err := console.New(console.Config{
		Journal: j, DeadLetters: st, Sweep: sweep{pv},
		Reach:  reacher{{"ada@vendor1.com", "expert1@ABC.com"}: true, {"ada@vendor1.com", "bob@vendor2.com"}: false},
		Tenant: cfg.Tenant, Auth: auth, Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, clk: clk, journal: j, store: st, c: c}
}

// response is one answer of the console.
type response struct {
	code   int
	header http.Header
	body   string
}

// do sends one request to the console; headers are pairs.
func (f *fixture) do(method, target string, form url.Values, headers ...string) response {
	f.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.c.ServeHTTP(rec, req)
	return response{code: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// signIn signs in with the token and returns the session cookie's
// "name=value" for a Cookie header.
func (f *fixture) signIn() string {
	f.t.Helper()
	r := f.do(http.MethodPost, "/api/console/signin", url.Values{"token": {token}, "next": {"/requests"}})
	ck := sessionCookie(r)
	if r.code != http.StatusSeeOther || ck == nil {
		f.t.Fatalf("sign-in: %d, cookie %v:\n%s", r.code, ck, r.body)
	}
	return ck.Name + "=" + ck.Value
}

func sessionCookie(r response) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == console.CookieName {
			return ck
		}
	}
	return nil
}

// get fetches a page with the session cookie.
func (f *fixture) get(cookie, target string) response {
	f.t.Helper()
	return f.do(http.MethodGet, target, nil, "Cookie", cookie)
}

// csrfOf is the CSRF token in a page's forms.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	const marker = `name="csrf" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no CSRF field in the page:\n%s", page)
	}
	rest := page[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}
