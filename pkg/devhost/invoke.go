package devhost

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"

	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// HTTPDoer sends HTTP requests; *http.Client implements it.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// maxReplyBytes caps a handler reply the host reads.
const maxReplyBytes = 4 << 20

func newClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // the handler is on loopback
	// net/http keeps 2 idle connections per host; the host has up to
	// MaxConcurrentCalls invocations in flight to one handler, and each
	// one beyond 2 would dial a new connection.
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t}
}

// reply is the handler's answer to one invocation.
type reply struct {
	status int
	body   []byte
}

// invoke POSTs envelope to instance's /<function>, within LockDuration,
// and returns its reply. A transport error (the handler died, refused, timed
// out) is returned as an error.
func (h *Host) invoke(ctx context.Context, instance int, function, invocationID string, envelope []byte) (reply, error) {
	hd := h.cfg.Handlers[instance]
	if hd.Ready != nil {
		if err := hd.Ready(ctx); err != nil {
			return reply{}, fmt.Errorf("devhost: waiting for handler %d: %w", instance, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.LockDuration)
	defer cancel()
	req, err := funchost.NewRequest(ctx, hd.URL, function, invocationID, envelope)
	if err != nil {
		return reply{}, err
	}
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("devhost: invoke %s: %w", function, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return reply{status: resp.StatusCode}, fmt.Errorf("devhost: invoke %s: reading reply: %w", function, err)
	}
	return reply{status: resp.StatusCode, body: body}, nil
}

// next picks an instance for an invocation that is not a queue delivery
// (timer, HTTP): round robin.
func (h *Host) next() int {
	return int(h.rr.Add(1)-1) % len(h.cfg.Handlers)
}

func ok2xx(status int) bool { return status >= 200 && status < 300 }

// newInvocationID returns a version 4 UUID.
func newInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
