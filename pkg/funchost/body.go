package funchost

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// readBody reads at most limit bytes of r's body, stopping early when
// r.Context() ends. A body longer than limit is ErrBodyTooLarge: the handler
// must not buffer an unbounded envelope.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil request", ErrMalformedEnvelope)
	}
	ctx := r.Context()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("funchost: reading request body: %w", err)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, fmt.Errorf("%w: empty request body", ErrMalformedEnvelope)
	}
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds the %d-byte limit", ErrBodyTooLarge, r.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(ctxReader{ctx: ctx, r: r.Body}, limit+1))
	if err != nil {
		return nil, fmt.Errorf("funchost: reading request body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: body exceeds the %d-byte limit", ErrBodyTooLarge, limit)
	}
	return b, nil
}

// ctxReader stops reading once ctx is done, so a stalled client cannot hold a
// handler past its deadline.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
