package funchost

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestBodyLimit(t *testing.T) {
	env := fixture(t, "sb_binary.json")
	limit := int64(len(env))
	d, err := NewDecoder(Config{MaxServiceBusBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	// Exactly at the limit: accepted.
	if _, err := d.DecodeServiceBus(invocation(env), "message"); err != nil {
		t.Fatalf("envelope of exactly the limit refused: %v", err)
	}
	bigger := append(bytes.Clone(env), ' ')
	tests := []struct {
		name string
		req  *http.Request
	}{
		{"declared by Content-Length", invocation(bigger)},
		{"streamed without Content-Length", func() *http.Request {
			r := invocation(nil)
			r.Body = io.NopCloser(bytes.NewReader(bigger))
			r.ContentLength = -1
			return r
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.DecodeServiceBus(tc.req, "message")
			if diff := cmp.Diff(ErrBodyTooLarge, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	var c Config
	c.SetDefaults()
	want := Config{MaxServiceBusBytes: 1 << 20, MaxTimerBytes: 64 << 10, MaxHTTPBytes: 1 << 20}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("defaults mismatch (-want +got):\n%s", diff)
	}
	// The package-level decoders use them: a 1 MiB + 1 byte envelope fails.
	big := []byte(`{"Data":{"message":"` + strings.Repeat("A", 1<<20) + `"}}`)
	if _, err := DecodeServiceBus(invocation(big), "message"); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("DecodeServiceBus(1 MiB+) error = %v, want ErrBodyTooLarge", err)
	}
	timer := []byte(`{"Data":{"timer":{"IsPastDue":false,"pad":"` + strings.Repeat("x", 64<<10) + `"}}}`)
	if _, err := DecodeTimer(invocation(timer), "timer"); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("DecodeTimer(64 KiB+) error = %v, want ErrBodyTooLarge", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if _, err := NewDecoder(Config{MaxTimerBytes: -1}); err == nil || !strings.Contains(err.Error(), "MaxTimerBytes must be > 0") {
		t.Errorf("NewDecoder(negative limit) error = %v", err)
	}
	if err := (Config{}).Validate(); err == nil {
		t.Error("zero Config validated without SetDefaults")
	}
}

func TestContextAndEmptyRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	canceled := invocation(fixture(t, "sb_binary.json")).WithContext(ctx)
	if _, err := DecodeServiceBus(canceled, "message"); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error = %v, want context.Canceled", err)
	}

	// A context that ends while the body is being read stops the read.
	ctx2, cancel2 := context.WithCancel(context.Background())
	r := httptest.NewRequest(http.MethodPost, "/onboard", nil).WithContext(ctx2)
	r.Body = io.NopCloser(&cancelingReader{data: fixture(t, "sb_binary.json"), cancel: cancel2})
	if _, err := DecodeServiceBus(r, "message"); !errors.Is(err, context.Canceled) {
		t.Errorf("context canceled mid-read: error = %v, want context.Canceled", err)
	}

	if _, err := DecodeServiceBus(nil, "message"); !errors.Is(err, ErrMalformedEnvelope) {
		t.Errorf("nil request: error = %v", err)
	}
	empty := httptest.NewRequest(http.MethodPost, "/onboard", nil)
	if _, err := DecodeHTTP(empty, "req"); !errors.Is(err, ErrMalformedEnvelope) {
		t.Errorf("empty body: error = %v", err)
	}
}

// cancelingReader returns a few bytes, then cancels its context.
type cancelingReader struct {
	data   []byte
	cancel context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	n := copy(p[:min(len(p), 8)], c.data)
	c.data = c.data[n:]
	c.cancel()
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
