package producer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// derivation names the id derivation in what it hashes, so that a later
// change to it is a visible new version.
const derivation = "vendorflow/producer/v1"

// idHexDigits is how much of the SHA-256 a derived id keeps: 96 bits, as
// the expiry sweep's ids do.
const idHexDigits = 24

// placeholderID stands in for a requestId that is still to be derived while
// the rest of the request is validated.
const placeholderID = "pending"

// Builder validates requests with the handler's rules and gives them their
// request ids. It does no I/O; Producer sends what it builds.
type Builder struct {
	tenant domain.Tenant
	clock  clock.Clock
}

// NewBuilder returns a Builder for the tenant settings t (the
// configuration's tenant section, defaults set). clk is the time the
// contract dates are checked against (nil: clock.Real{}).
func NewBuilder(t domain.Tenant, clk clock.Clock) (*Builder, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("producer: tenant settings: %w", err)
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &Builder{tenant: t, clock: clk}, nil
}

// Message is a validated request ready to send: its JSON body and its
// request id, which is also the message id and the correlation id.
type Message struct {
	// Kind is domain.KindOnboard or domain.KindOffboard.
	Kind      string
	RequestID string
	// Derived is set when the request gave no requestId and RequestID was
	// derived from its content.
	Derived bool
	// Body is the JSON the handler receives.
	Body []byte
	// Onboard (Kind onboard) or Offboard (Kind offboard) is the request as
	// sent: normalised, with its RequestID.
	Onboard  domain.OnboardRequest
	Offboard domain.OffboardRequest
}

// Out is m as the bus sends it.
func (m Message) Out() handler.OutMessage {
	return handler.OutMessage{MessageID: m.RequestID, Kind: m.Kind, Body: m.Body, CorrelationID: m.RequestID}
}

// Onboard validates r as the handler would and returns it ready to send:
// normalised (the vendor key as the registry spells it, names trimmed and
// their spaces collapsed, the email's domain lower-cased, the sponsor,
// dates and serviceAccount trimmed), with schemaVersion 1 when r leaves it 0, and with a
// derived requestId when r has none (see the package documentation). The
// error is a *domain.Error with Code Invalid listing every problem with
// its field path.
func (b *Builder) Onboard(r domain.OnboardRequest) (Message, error) {
	if r.SchemaVersion == 0 {
		r.SchemaVersion = domain.SchemaVersion
	}
	derive := r.RequestID == ""
	probe := r
	if derive {
		probe.RequestID = placeholderID
	}
	o, err := domain.ValidateOnboard(b.tenant, probe, b.clock.Now())
	if err != nil {
		return Message{}, err
	}
	n := domain.OnboardRequest{
		SchemaVersion:     r.SchemaVersion,
		RequestID:         r.RequestID,
		Vendor:            o.Vendor.Key,
		Person:            o.Person,
		Contract:          domain.Period{Start: strings.TrimSpace(r.Contract.Start), End: strings.TrimSpace(r.Contract.End)},
		Sponsor:           o.Sponsor,
		ReissueCredential: r.ReissueCredential,
	}
	if o.Named {
		n.ServiceAccount, _, _ = strings.Cut(o.UPN, "@")
	}
	if derive {
		// A reissue is an action, not a state: asked again another day it
		// is another request (its day is in the id, as an offboard's is).
		day := ""
		if r.ReissueCredential {
			day = b.clock.Now().UTC().Format(time.DateOnly)
		}
		n.RequestID, err = deriveID(domain.KindOnboard, "onboard-"+o.Vendor.Key+"-", day, n)
		if err != nil {
			return Message{}, err
		}
	}
	body, err := json.Marshal(n)
	if err != nil {
		return Message{}, fmt.Errorf("producer: encode onboard request: %w", err)
	}
	// The body is what the handler reads: decode and validate it as the
	// engine does.
	m, err := b.OnboardJSON(body)
	if err != nil {
		return Message{}, err
	}
	m.Derived = derive
	return m, nil
}

// OnboardJSON validates an onboard request body exactly as the handler
// does (domain.DecodeRequest, then domain.ValidateOnboard) and returns it
// as it is: a body is sent as given, so it must carry its requestId.
func (b *Builder) OnboardJSON(body []byte) (Message, error) {
	var r domain.OnboardRequest
	if err := domain.DecodeRequest(body, &r); err != nil {
		return Message{}, undecodable(domain.KindOnboard, err)
	}
	if _, err := domain.ValidateOnboard(b.tenant, r, b.clock.Now()); err != nil {
		return Message{}, err
	}
	return Message{Kind: domain.KindOnboard, RequestID: r.RequestID, Body: body, Onboard: r}, nil
}

// Offboard validates r as the handler would and returns it ready to send:
// normalised (the upn, reason and email trimmed, the email's domain
// lower-cased, the vendor key as the registry spells it), with
// schemaVersion 1 when r leaves it 0, and with a derived requestId when r
// has none (it includes today's UTC date by the builder's clock; see the
// package documentation). The error is a *domain.Error with Code Invalid
// listing every problem with its field path.
func (b *Builder) Offboard(r domain.OffboardRequest) (Message, error) {
	if r.SchemaVersion == 0 {
		r.SchemaVersion = domain.SchemaVersion
	}
	derive := r.RequestID == ""
	probe := r
	if derive {
		probe.RequestID = placeholderID
	}
	o, err := domain.ValidateOffboard(b.tenant, probe)
	if err != nil {
		return Message{}, err
	}
	n := domain.OffboardRequest{SchemaVersion: r.SchemaVersion, RequestID: r.RequestID, Reason: o.Reason}
	if o.Email != "" {
		v, _ := b.tenant.Vendor(r.Account.Vendor) // known: validated above
		n.Account = domain.AccountRef{Vendor: v.Key, Email: o.Email}
	} else {
		n.Account = domain.AccountRef{UPN: o.UPN}
	}
	if derive {
		day := b.clock.Now().UTC().Format(time.DateOnly)
		n.RequestID, err = deriveID(domain.KindOffboard, "offboard-", day, n)
		if err != nil {
			return Message{}, err
		}
	}
	body, err := json.Marshal(n)
	if err != nil {
		return Message{}, fmt.Errorf("producer: encode offboard request: %w", err)
	}
	m, err := b.OffboardJSON(body)
	if err != nil {
		return Message{}, err
	}
	m.Derived = derive
	return m, nil
}

// OffboardJSON validates an offboard request body exactly as the handler
// does (domain.DecodeRequest, then domain.ValidateOffboard) and returns it
// as it is; it must carry its requestId.
func (b *Builder) OffboardJSON(body []byte) (Message, error) {
	var r domain.OffboardRequest
	if err := domain.DecodeRequest(body, &r); err != nil {
		return Message{}, undecodable(domain.KindOffboard, err)
	}
	if _, err := domain.ValidateOffboard(b.tenant, r); err != nil {
		return Message{}, err
	}
	return Message{Kind: domain.KindOffboard, RequestID: r.RequestID, Body: body, Offboard: r}, nil
}

// deriveID is prefix and the first idHexDigits hex digits of the SHA-256
// of the derivation's name, the kind, extra (when set) and the JSON of req,
// whose RequestID is empty.
func deriveID(kind, prefix, extra string, req any) (string, error) {
	canon, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("producer: encode %s request for its id: %w", kind, err)
	}
	h := sha256.New()
	h.Write([]byte(derivation + "\n" + kind + "\n"))
	if extra != "" {
		h.Write([]byte(extra + "\n"))
	}
	h.Write(canon)
	return prefix + hex.EncodeToString(h.Sum(nil))[:idHexDigits], nil
}

// undecodable is a body domain.DecodeRequest refused, as a validation
// problem of the body.
func undecodable(kind string, err error) error {
	return &domain.Error{
		Code:     domain.Invalid,
		Message:  "invalid " + kind + " request",
		Problems: []domain.Problem{{Field: "body", Message: err.Error()}},
	}
}
