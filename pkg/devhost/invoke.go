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
	return &http.Client{Transport: t}
}

// reply is the handler's answer to one invocation.
type reply struct {
	status int
	body   []byte
}

// invoke POSTs envelope to the handler's /<function>, within LockDuration,
// and returns its reply. A transport error (the handler died, refused, timed
// out) is returned as an error.
func (h *Host) invoke(ctx context.Context, function, invocationID string, envelope []byte) (reply, error) {
	if h.cfg.HandlerReady != nil {
		if err := h.cfg.HandlerReady(ctx); err != nil {
			return reply{}, fmt.Errorf("devhost: waiting for the handler: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.LockDuration)
	defer cancel()
	req, err := funchost.NewRequest(ctx, h.cfg.HandlerURL, function, invocationID, envelope)
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

func ok2xx(status int) bool { return status >= 200 && status < 300 }

// newInvocationID returns a version 4 UUID.
func newInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
