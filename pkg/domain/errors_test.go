package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestErrorClassification(t *testing.T) {
	cause := errors.New("socket closed")
	tests := []struct {
		name      string
		err       error
		code      Code
		msg       string
		retry     time.Duration
		outcome   Outcome
		errString string
	}{
		{"nil", nil, "", "", 0, Outcome{HTTPStatus: 200}, ""},
		{"plain", cause, Internal, "internal error", 0, Outcome{Retry, 500, 1}, "socket closed"},
		{"wrapped transient", fmt.Errorf("step: %w", &Error{Code: Transient, Message: "throttled", RetryAfter: 2128 * time.Millisecond}),
			Transient, "throttled", 2128 * time.Millisecond, Outcome{Retry, 503, 6}, "step: transient: throttled"},
		{"errorf with cause", Errorf(Conflict, "exists: %w", cause), Conflict, "exists: socket closed", 0, Outcome{Park, 409, 3}, "conflict: exists: socket closed"},
		{"problems", &Error{Code: Invalid, Message: "bad", Problems: []Problem{{"a", "x"}, {"b", "y"}}}, Invalid, "bad; a: x; b: y", 0, Outcome{Park, 400, 2}, "invalid: bad: a: x; b: y"},
		{"business", Errorf(Business, "no seat"), Business, "no seat", 0, Outcome{Park, 422, 5}, "business: no seat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("message = %q, want %q", got, tt.msg)
			}
			if got := RetryAfterOf(tt.err); got != tt.retry {
				t.Errorf("retry = %v, want %v", got, tt.retry)
			}
			if got := OutcomeOf(ErrorCode(tt.err)); got != tt.outcome {
				t.Errorf("outcome = %+v, want %+v", got, tt.outcome)
			}
			if tt.err != nil && tt.err.Error() != tt.errString {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.errString)
			}
		})
	}
	if !errors.Is(Errorf(Conflict, "x: %w", cause), cause) {
		t.Error("Errorf lost its cause")
	}
}

func TestRequestMoves(t *testing.T) {
	tests := []struct {
		from, to RequestStatus
		ok       bool
	}{
		{RequestReceived, RequestRunning, true},
		{RequestRunning, RequestDone, true},
		{RequestParked, RequestRunning, true},
		{RequestDone, RequestRunning, false},
		{RequestSuperseded, RequestRunning, false},
		{RequestReceived, RequestDone, false},
	}
	for _, tt := range tests {
		if got := CanMove(tt.from, tt.to); got != tt.ok {
			t.Errorf("CanMove(%s,%s) = %v", tt.from, tt.to, got)
		}
		if (CheckMove(tt.from, tt.to) == nil) != tt.ok {
			t.Errorf("CheckMove(%s,%s) disagrees", tt.from, tt.to)
		}
	}
}

func TestTenantValidate(t *testing.T) {
	ten := demoTenant()
	if err := ten.Validate(); err != nil {
		t.Fatalf("demo tenant: %v", err)
	}
	bad := demoTenant()
	bad.UPNTemplate = "{vendor}_SA"
	bad.Vendors = append(bad.Vendors, Vendor{Key: "vendor1", DisplayName: "dup", Kind: VendorCompany, EmailDomains: []string{"vendor1.com"}, Segment: "X"})
	bad.SegmentAttribute = "jobTitle"
	err := bad.Validate()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	want := map[string]bool{"upnTemplate": true, "segmentAttribute": true, "vendors[3].key": true, "vendors[3].emailDomains[0]": true}
	for _, p := range e.Problems {
		delete(want, p.Field)
	}
	if len(want) != 0 {
		t.Fatalf("missing problems for %v in %v", want, e.Problems)
	}
}

// With barriers on, every segmented vendor's accounts need a barrier-capable
// licence; the refusal names the four products.
func TestBarrierLicensing(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Tenant)
		want   string // "" = valid
		skus   []string
	}{
		{"tenant barrier sku", func(*Tenant) {}, "", []string{"MICROSOFT_REMOTE_ASSIST", "INFORMATION_PROTECTION_COMPLIANCE"}},
		{"vendor barrier sku wins", func(t *Tenant) { t.Vendors[0].BarrierSKU = "SPE_E5" }, "", []string{"MICROSOFT_REMOTE_ASSIST", "SPE_E5"}},
		{"vendor skus already capable", func(t *Tenant) { t.Vendors[0].SKUs = []string{"MICROSOFT_REMOTE_ASSIST", "ENTERPRISEPREMIUM"} }, "", []string{"MICROSOFT_REMOTE_ASSIST", "ENTERPRISEPREMIUM"}},
		{"barriers off", func(t *Tenant) { t.BarrierSKU, t.InformationBarriers = "", BarriersOff }, "", []string{"MICROSOFT_REMOTE_ASSIST"}},
		{"no barrier sku", func(t *Tenant) { t.BarrierSKU = "" }, "vendors[0].barrierSku: accounts of Vendor1 are placed in segment \"Vendor1\", and information barriers apply only to users with a licence of Microsoft 365 E5 (SPE_E5), Office 365 E5 (ENTERPRISEPREMIUM), Office 365 Advanced Compliance (EQUIVIO_ANALYTICS), Microsoft 365 E5 Information Protection and Compliance (INFORMATION_PROTECTION_COMPLIANCE)", nil},
		{"not capable", func(t *Tenant) { t.BarrierSKU = "MICROSOFT_REMOTE_ASSIST_HOLOLENS" }, `barrierSku: "MICROSOFT_REMOTE_ASSIST_HOLOLENS" is not information-barrier-capable`, nil},
		{"bad mode", func(t *Tenant) { t.InformationBarriers = "maybe" }, `informationBarriers: must be "on" or "off"`, nil},
		{"drift mail to ops", func(t *Tenant) { t.DriftMail = "ops@abc.com" }, "", []string{"MICROSOFT_REMOTE_ASSIST", "INFORMATION_PROTECTION_COMPLIANCE"}},
		{"bad drift mail", func(t *Tenant) { t.DriftMail = "the ops team" }, `driftMail: must be "", "sponsor" or a mailbox address`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := demoTenant()
			tt.mutate(&ten)
			err := ten.Validate()
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ten.SKUsFor(ten.Vendors[0]); !slices.Equal(got, tt.skus) {
				t.Errorf("SKUsFor = %v, want %v", got, tt.skus)
			}
			for _, p := range tt.skus {
				if !ten.ManagedSKUs()[strings.ToUpper(p)] {
					t.Errorf("ManagedSKUs misses %s", p)
				}
			}
		})
	}
}
