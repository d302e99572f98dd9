package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// baseBackoff is the first computed wait; it doubles per retry up to
// Config.MaxBackoff.
const baseBackoff = 500 * time.Millisecond

// retryMiddleware is the adapter's one request choke point for transient
// faults. It replaces kiota's RetryHandler, which truncates a fractional
// Retry-After to whole seconds and waits on the wall clock (KHTTP
// retry_handler.go getRetryDelay).
//
// Per attempt it clones the request (kiota middlewares below it, such as
// compression, mutate headers and body) and replays the body from GetBody,
// buffering it once when kiota did not set GetBody. It retries:
//   - 429 and 503 for every method: the service refused the request, so it
//     was not carried out (REFERENCE §2 "Faults, limits, consistency");
//   - 504 and transport errors/timeouts for idempotent methods only (GET,
//     HEAD, PUT, PATCH, DELETE): a POST may have been carried out behind a
//     gateway timeout, so it is returned as Transient and the caller's
//     idempotent step re-checks before it tries again.
//
// The wait is the server's Retry-After (seconds, fractional allowed, or an
// HTTP date) when present, else capped exponential backoff with jitter; it
// is taken with Clock.Sleep against the request's context. A Retry-After
// longer than MaxBackoff is not waited out: the response is returned and
// classified Transient with RetryAfter so that the caller reschedules.
// After MaxRetries retries the last response (or error) is returned as is.
type retryMiddleware struct {
	clock          clock.Clock
	maxRetries     int
	maxBackoff     time.Duration
	attemptTimeout time.Duration
	jitter         func(time.Duration) time.Duration
	stats          *statsRecorder
	log            *slog.Logger
}

// Intercept implements khttp.Middleware.
func (m *retryMiddleware) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	getBody, length, err := replayableBody(req)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, m.attemptTimeout)
		areq := req.Clone(actx)
		if getBody != nil {
			body, err := getBody()
			if err != nil {
				cancel()
				return nil, err
			}
			areq.Body, areq.GetBody, areq.ContentLength = body, getBody, length
		}
		if attempt > 0 {
			areq.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
		}
		resp, err := p.Next(areq, index)
		wait, retry := m.decide(ctx, req.Method, resp, err, attempt)
		if !retry || attempt >= m.maxRetries {
			if resp != nil && resp.Body != nil {
				resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			} else {
				cancel()
			}
			return resp, err
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
			drain(resp)
		}
		cancel()
		m.stats.retried(status, wait)
		m.log.LogAttrs(ctx, slog.LevelDebug, "graph retry",
			slog.String("method", req.Method), slog.String("path", req.URL.Path),
			slog.Int("status", status), slog.Int("retry", attempt+1),
			slog.Duration("wait", wait), slog.Any("error", err))
		if err := m.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// decide says whether the outcome of attempt is worth another try and how
// long to wait first.
func (m *retryMiddleware) decide(ctx context.Context, method string, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	if err != nil {
		var coded *domain.Error
		if !idempotent(method) || errors.Is(err, context.Canceled) || errors.As(err, &coded) {
			// a coded error comes from our own middleware below (the
			// write budget), already classified: not a transport fault
			return 0, false
		}
		return m.fit(ctx, m.backoff(attempt))
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	case http.StatusGatewayTimeout:
		if !idempotent(method) {
			return 0, false
		}
	default:
		return 0, false
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), m.clock.Now()); ok {
		if d > m.maxBackoff || outlasts(ctx, d) {
			return 0, false
		}
		return d, true
	}
	return m.fit(ctx, m.backoff(attempt))
}

// fit returns wait unless it would outlast ctx's deadline.
func (m *retryMiddleware) fit(ctx context.Context, wait time.Duration) (time.Duration, bool) {
	if outlasts(ctx, wait) {
		return 0, false
	}
	return wait, true
}

// outlasts reports whether a wait of d would end after ctx's deadline (the
// engine's run deadline): such a wait is not taken, and the caller gets
// the fault, Transient with its Retry-After, to reschedule. Deadlines are
// wall-clock times, so the comparison is too, whatever Clock waits on.
func outlasts(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

// backoff is baseBackoff·2^attempt capped at maxBackoff, with "equal
// jitter": half fixed, half random.
func (m *retryMiddleware) backoff(attempt int) time.Duration {
	d := m.maxBackoff
	if attempt < 20 {
		d = min(baseBackoff<<attempt, m.maxBackoff)
	}
	return d/2 + m.jitter(d/2)
}

// randomJitter returns a uniformly random duration in [0, d].
func randomJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// idempotent reports whether repeating method cannot change the outcome.
// vendorflow's PATCHes set absolute values, so they qualify.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// parseRetryAfter reads a Retry-After value: delay-seconds, which Graph
// sends with a fraction ("2.128" → 2.128 s, REFERENCE §2), or an HTTP date
// (RFC 9110 §10.2.3), measured against now. A date in the past means 0.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 1e9 {
			return 0, false
		}
		return time.Duration(math.Round(secs*1e6)) * time.Microsecond, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// replayableBody returns a function that yields a fresh copy of req's body
// for each attempt, buffering it once if kiota did not set GetBody (it
// does not: nethttp_request_adapter.go sets Body only).
func replayableBody(req *http.Request) (func() (io.ReadCloser, error), int64, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, 0, nil
	}
	if req.GetBody != nil {
		return req.GetBody, req.ContentLength, nil
	}
	buf, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, 0, err
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }, int64(len(buf)), nil
}

// drain discards a little of a response we will not use so that the
// connection can be reused, and closes it.
func drain(resp *http.Response) {
	if resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// cancelOnClose releases an attempt's timeout context once the caller has
// finished reading the response.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
