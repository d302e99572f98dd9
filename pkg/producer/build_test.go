package producer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// t0 is the tests' "now": every contract below is current.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// sampleTenant is the demo tenant of `vendorflow config sample`.
func sampleTenant(t testing.TB) domain.Tenant {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Tenant
}

func newBuilder(t testing.TB, clk clock.Clock) *Builder {
	t.Helper()
	b, err := NewBuilder(sampleTenant(t), clk)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ada is a valid onboarding of the demo tenant, without a requestId.
func ada() domain.OnboardRequest {
	return domain.OnboardRequest{
		Vendor:   "Vendor1",
		Person:   domain.Person{GivenName: "Ada", Surname: "Lovelace", Email: "Ada@vendor1.com"},
		Contract: domain.Period{Start: "2026-03-01", End: "2026-08-31"},
		Sponsor:  "pat.sponsor@ABC.com",
	}
}

// The derived id is the documented formula over the normalised request.
func TestOnboardDerivesTheDocumentedID(t *testing.T) {
	b := newBuilder(t, clock.NewFake(t0))
	m, err := b.Onboard(ada())
	if err != nil {
		t.Fatal(err)
	}
	canon := `{"schemaVersion":1,"requestId":"","vendor":"Vendor1","person":{"givenName":"Ada","surname":"Lovelace","email":"Ada@vendor1.com"},"contract":{"start":"2026-03-01","end":"2026-08-31"},"sponsor":"pat.sponsor@ABC.com"}`
	sum := sha256.Sum256([]byte("vendorflow/producer/v1\nonboard\n" + canon))
	want := "onboard-Vendor1-" + hex.EncodeToString(sum[:])[:24]
	if m.RequestID != want || !m.Derived || m.Kind != domain.KindOnboard {
		t.Fatalf("message = %s %q derived=%v, want onboard %q derived", m.Kind, m.RequestID, m.Derived, want)
	}
	if !domain.ValidRequestID(m.RequestID) {
		t.Errorf("derived id %q is not a valid request id", m.RequestID)
	}
	wantBody := strings.Replace(canon, `"requestId":""`, `"requestId":"`+want+`"`, 1)
	if diff := cmp.Diff(wantBody, string(m.Body)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	var sent domain.OnboardRequest
	if err := json.Unmarshal(m.Body, &sent); err != nil || !cmp.Equal(sent, m.Onboard) {
		t.Errorf("Onboard %+v is not the body's request %+v (%v)", m.Onboard, sent, err)
	}
}

// One intent, however it is spelt, gets one id and one body; any other
// content gets another id.
func TestOnboardIDIsTheIntent(t *testing.T) {
	b := newBuilder(t, clock.NewFake(t0))
	base, err := b.Onboard(ada())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*domain.OnboardRequest)
		same bool
	}{
		{"the same request", func(*domain.OnboardRequest) {}, true},
		{"spaces and letter case the handler ignores", func(r *domain.OnboardRequest) {
			r.Vendor = "vendor1"
			r.Person = domain.Person{GivenName: "  Ada ", Surname: "Lovelace\t", Email: " Ada@Vendor1.COM "}
			r.Contract = domain.Period{Start: " 2026-03-01", End: "2026-08-31 "}
			r.Sponsor = " pat.sponsor@ABC.com"
			r.SchemaVersion = 1
		}, true},
		{"another contract end", func(r *domain.OnboardRequest) { r.Contract.End = "2026-09-30" }, false},
		{"another contract start", func(r *domain.OnboardRequest) { r.Contract.Start = "2026-03-02" }, false},
		{"another sponsor", func(r *domain.OnboardRequest) { r.Sponsor = "expert@ABC.com" }, false},
		{"another surname", func(r *domain.OnboardRequest) { r.Person.Surname = "King" }, false},
		{"a named account", func(r *domain.OnboardRequest) { r.ServiceAccount = "Ada_SA" }, false},
		{"a new credential asked for", func(r *domain.OnboardRequest) { r.ReissueCredential = true }, false},
		{"the email's local part in other letters", func(r *domain.OnboardRequest) { r.Person.Email = "ada@vendor1.com" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ada()
			tc.edit(&r)
			m, err := b.Onboard(r)
			if err != nil {
				t.Fatal(err)
			}
			if same := m.RequestID == base.RequestID; same != tc.same {
				t.Errorf("id %q vs %q: same = %v, want %v", m.RequestID, base.RequestID, same, tc.same)
			}
			if tc.same && string(m.Body) != string(base.Body) {
				t.Errorf("same id, other body:\n%s\n%s", m.Body, base.Body)
			}
		})
	}
}

// A reissue is an action: the same request asked for again the same day is
// a retry (one id), another day a new request (another id).
func TestReissueIDHoldsTheDay(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	b := newBuilder(t, clk)
	r := ada()
	r.ReissueCredential = true
	first, err := b.Onboard(r)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	again, _ := b.Onboard(r)
	clk.Advance(24 * time.Hour)
	tomorrow, _ := b.Onboard(r)
	if again.RequestID != first.RequestID || tomorrow.RequestID == first.RequestID {
		t.Errorf("ids %s (09:00), %s (10:00), %s (next day): want the first two equal and the third another", first.RequestID, again.RequestID, tomorrow.RequestID)
	}
}

// The normalised request is the same onboarding to the handler as the
// request it came from, and a given requestId is kept.
func TestOnboardNormalisesWithoutChangingTheOnboarding(t *testing.T) {
	tenant := sampleTenant(t)
	b := newBuilder(t, clock.NewFake(t0))
	r := domain.OnboardRequest{
		SchemaVersion: 1, RequestID: "po-4711-grace", Vendor: "VENDOR2",
		Person:         domain.Person{GivenName: " Grace  Brewster ", Surname: "Hopper", Email: "Grace.Hopper@VENDOR2.com"},
		Contract:       domain.Period{Start: "2026-02-01T08:00:00+01:00", End: " 2026-12-31"},
		Sponsor:        "expert@abc.com ",
		ServiceAccount: " Vendor2_G_SA",
	}
	m, err := b.Onboard(r)
	if err != nil {
		t.Fatal(err)
	}
	if m.RequestID != "po-4711-grace" || m.Derived {
		t.Errorf("id = %q derived=%v, want the given po-4711-grace", m.RequestID, m.Derived)
	}
	want, err := domain.ValidateOnboard(tenant, r, t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := domain.ValidateOnboard(tenant, m.Onboard, t0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the handler's onboarding of the sent request differs (-given +sent):\n%s", diff)
	}
	if m.Onboard.Vendor != "Vendor2" || m.Onboard.Person.GivenName != "Grace Brewster" || m.Onboard.ServiceAccount != "Vendor2_G_SA" {
		t.Errorf("sent request not normalised: %+v", m.Onboard)
	}
}

// problemsOf returns the field paths of an Invalid *domain.Error.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.Invalid {
		t.Fatalf("err = %v, want a *domain.Error with code invalid", err)
	}
	var fields []string
	for _, p := range de.Problems {
		fields = append(fields, p.Field)
	}
	return fields
}

func TestOnboardRefusesWithEveryProblem(t *testing.T) {
	b := newBuilder(t, clock.NewFake(t0))
	tests := []struct {
		name string
		edit func(*domain.OnboardRequest)
		want []string
	}{
		{"everything wrong at once", func(r *domain.OnboardRequest) {
			r.Vendor = "Acme"
			r.Person = domain.Person{GivenName: "", Surname: "L0velace", Email: "ada at vendor1"}
			r.Contract = domain.Period{Start: "2026-09-01", End: "2026-08-31"}
			r.Sponsor = "pat@gmail.com"
		}, []string{"vendor", "person.givenName", "person.surname", "person.email", "contract.end", "sponsor"}},
		{"an email domain of another vendor", func(r *domain.OnboardRequest) { r.Person.Email = "ada@vendor2.com" }, []string{"person.email"}},
		{"a contract that has ended", func(r *domain.OnboardRequest) { r.Contract = domain.Period{Start: "2025-01-01", End: "2026-02-28"} }, []string{"contract.end"}},
		{"a malformed requestId", func(r *domain.OnboardRequest) { r.RequestID = "-po 4711" }, []string{"requestId"}},
		{"another schema version", func(r *domain.OnboardRequest) { r.SchemaVersion = 2 }, []string{"schemaVersion"}},
		{"the sender mailbox as account", func(r *domain.OnboardRequest) { r.ServiceAccount = "vendorflow" }, []string{"serviceAccount"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ada()
			tc.edit(&r)
			_, err := b.Onboard(r)
			if diff := cmp.Diff(tc.want, problemsOf(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

// A body is read as the handler reads it: strictly.
func TestOnboardJSONIsStrict(t *testing.T) {
	b := newBuilder(t, clock.NewFake(t0))
	valid := `{"schemaVersion":1,"requestId":"po-1","vendor":"Vendor1","person":{"givenName":"Ada","surname":"Lovelace","email":"ada@vendor1.com"},"contract":{"start":"2026-03-01","end":"2026-08-31"},"sponsor":"pat.sponsor@ABC.com"}`
	m, err := b.OnboardJSON([]byte(valid))
	if err != nil || m.RequestID != "po-1" || string(m.Body) != valid || m.Derived {
		t.Fatalf("valid body: %+v, %v", m, err)
	}
	tests := []struct {
		name, body, want string
	}{
		{"a key twice", strings.Replace(valid, `"vendor":"Vendor1"`, `"vendor":"Vendor1","Vendor":"Vendor2"`, 1), "appears twice"},
		{"an unknown field", strings.Replace(valid, `"sponsor"`, `"manager":"x","sponsor"`, 1), "not part of the request schema"},
		{"a wrong type", strings.Replace(valid, `"schemaVersion":1`, `"schemaVersion":"1"`, 1), "schemaVersion must be"},
		{"too large", valid[:len(valid)-1] + `,"x":"` + strings.Repeat("a", domain.MaxRequestBytes) + `"}`, "at most"},
		{"no requestId", strings.Replace(valid, `"requestId":"po-1",`, ``, 1), "requestId: must be 1 to 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.OnboardJSON([]byte(tc.body))
			if domain.ErrorCode(err) != domain.Invalid || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want invalid containing %q", err, tc.want)
			}
		})
	}
}

func TestOffboardIDs(t *testing.T) {
	clk := clock.NewFake(t0)
	b := newBuilder(t, clk)
	byEmail := domain.OffboardRequest{Account: domain.AccountRef{Vendor: "vendor1", Email: " Ada@Vendor1.com"}, Reason: " contract ended early "}
	first, err := b.Offboard(byEmail)
	if err != nil {
		t.Fatal(err)
	}
	wantSent := domain.OffboardRequest{SchemaVersion: 1, RequestID: first.RequestID,
		Account: domain.AccountRef{Vendor: "Vendor1", Email: "Ada@vendor1.com"}, Reason: "contract ended early"}
	if diff := cmp.Diff(wantSent, first.Offboard); diff != "" {
		t.Errorf("sent request (-want +got):\n%s", diff)
	}
	canon := `{"schemaVersion":1,"requestId":"","account":{"vendor":"Vendor1","email":"Ada@vendor1.com"},"reason":"contract ended early"}`
	sum := sha256.Sum256([]byte("vendorflow/producer/v1\noffboard\n2026-03-02\n" + canon))
	if want := "offboard-" + hex.EncodeToString(sum[:])[:24]; first.RequestID != want {
		t.Errorf("id = %q, want %q", first.RequestID, want)
	}

	clk.Advance(10 * time.Hour) // 19:30 the same day: a retry
	again, err := b.Offboard(byEmail)
	if err != nil || again.RequestID != first.RequestID {
		t.Errorf("a retry the same day: id %q (%v), want %q", again.RequestID, err, first.RequestID)
	}
	clk.Advance(5 * time.Hour) // the next day: a new offboarding
	later, err := b.Offboard(byEmail)
	if err != nil || later.RequestID == first.RequestID {
		t.Errorf("the next day: id %q (%v), want a new one", later.RequestID, err)
	}
	byUPN, err := b.Offboard(domain.OffboardRequest{RequestID: "po-9-end", Account: domain.AccountRef{UPN: "Ada_SA@ABC.com "}, Reason: "left"})
	if err != nil || byUPN.RequestID != "po-9-end" || byUPN.Offboard.Account.UPN != "Ada_SA@ABC.com" || byUPN.Derived {
		t.Errorf("by upn: %+v, %v", byUPN, err)
	}
	_, err = b.Offboard(domain.OffboardRequest{Account: domain.AccountRef{UPN: "x@ABC.com", Email: "x@vendor1.com"}})
	if diff := cmp.Diff([]string{"reason", "account"}, problemsOf(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if _, err := b.OffboardJSON([]byte(`{"schemaVersion":1,"requestId":"x","account":{"upn":"a@ABC.com","upn":"b@ABC.com"},"reason":"r"}`)); domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("a duplicate key: err = %v, want invalid", err)
	}
}

func TestNewBuilderRefusesBadTenant(t *testing.T) {
	tenant := sampleTenant(t)
	tenant.Vendors = nil
	if _, err := NewBuilder(tenant, nil); err == nil || !strings.Contains(err.Error(), "tenant settings") {
		t.Errorf("err = %v, want the tenant settings refused", err)
	}
}
