package funchost

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Headers and identity our local host sends with each invocation, as the real
// host does (HOST DefaultHttpWorkerService.AddHeaders).
const (
	// HeaderHostVersion carries the host version.
	HeaderHostVersion = "X-Azure-Functions-HostVersion"
	// LocalHostVersion is the version our local host reports.
	LocalHostVersion = "4.0.0-vendorflow-local"
	// userAgentPrefix is the host's User-Agent product name.
	userAgentPrefix = "Azure-Functions-Host/"
)

// EncoderConfig configures an Encoder.
type EncoderConfig struct {
	// Clock stamps sys.UtcNow; default clock.Real.
	Clock clock.Clock
	// NewID returns a fresh GUID for sys.RandGuid and the Client identifier;
	// default a random (version 4) UUID.
	NewID func() string
	// Namespace is Client.FullyQualifiedNamespace of Service Bus
	// invocations; default "localhost".
	Namespace string
}

// SetDefaults fills unset fields.
func (c *EncoderConfig) SetDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.NewID == nil {
		c.NewID = randomUUID
	}
	if c.Namespace == "" {
		c.Namespace = "localhost"
	}
}

// Validate reports an unusable configuration.
func (c EncoderConfig) Validate() error {
	var errs []error
	if c.Clock == nil {
		errs = append(errs, errors.New("funchost: encoder config: Clock is nil"))
	}
	if c.NewID == nil {
		errs = append(errs, errors.New("funchost: encoder config: NewID is nil"))
	}
	if strings.TrimSpace(c.Namespace) == "" {
		errs = append(errs, errors.New("funchost: encoder config: Namespace is empty"))
	}
	return errors.Join(errs...)
}

// Encoder produces the invocation envelopes the real Functions host sends, so
// that `vendorflow dev` exercises the handler with exactly the production wire
// format. It is safe for concurrent use if its Clock and NewID are.
type Encoder struct {
	cfg EncoderConfig
}

// NewEncoder applies defaults, validates cfg and returns an Encoder.
func NewEncoder(cfg EncoderConfig) (*Encoder, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Encoder{cfg: cfg}, nil
}

func defaultEncoder() *Encoder {
	var cfg EncoderConfig
	cfg.SetDefaults()
	return &Encoder{cfg: cfg}
}

// sys is the "sys" Metadata entry the host adds to every invocation.
func (e *Encoder) sys(function string) json.RawMessage {
	b, _ := json.Marshal(struct { // three strings always marshal
		MethodName string
		UtcNow     string
		RandGuid   string
	}{function, e.cfg.Clock.Now().UTC().Format(netUTCLayout), e.cfg.NewID()})
	return b
}

// envelopeJSON assembles {"Data":{binding:data},"Metadata":md}.
func envelopeJSON(binding string, data json.RawMessage, md orderedObject) ([]byte, error) {
	if binding == "" {
		return nil, fmt.Errorf("%w: binding name is empty", ErrMissingBinding)
	}
	var d orderedObject
	d.set(binding, data)
	return json.Marshal(struct {
		Data     orderedObject
		Metadata orderedObject
	}{d, md})
}

// Time layouts the host writes: Json.NET prints a UTC DateTime with up to
// seven fractional digits and "Z"; DateTime values that went through
// DateTime.Parse(ToString()) lose their fraction and kind (zoneless); the
// DateTimeOffset equivalents keep "+00:00".
const (
	netUTCLayout      = "2006-01-02T15:04:05.9999999Z"
	netZonelessLayout = "2006-01-02T15:04:05"
	netOffsetLayout   = "2006-01-02T15:04:05-07:00"
)

// NewRequest builds the POST the host sends to invoke function on the handler
// at baseURL ("http://127.0.0.1:PORT"), with the host's headers.
func NewRequest(ctx context.Context, baseURL, function, invocationID string, envelope []byte) (*http.Request, error) {
	if function == "" {
		return nil, errors.New("funchost: function name is empty")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/"+function, bytes.NewReader(envelope))
	if err != nil {
		return nil, fmt.Errorf("funchost: building invocation request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderInvocationID, invocationID)
	req.Header.Set(HeaderHostVersion, LocalHostVersion)
	req.Header.Set("User-Agent", userAgentPrefix+LocalHostVersion)
	return req, nil
}

// randomUUID returns a version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
