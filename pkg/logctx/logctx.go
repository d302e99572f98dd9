// Package logctx carries the identifiers of the work in hand (the
// invocation, the message, the request, the step and its attempt) in a
// context.Context, and adds them to every log record written with that
// context. The handler sets the invocation's, the engine the step's;
// whatever logs with the ...Context variants of log/slog (or LogAttrs)
// below them, the Graph adapter included, carries them without being
// handed them.
//
// Install the Handler where loggers are built:
//
//	slog.New(logctx.NewHandler(slog.NewJSONHandler(os.Stderr, nil)))
package logctx

import (
	"context"
	"log/slog"
	"slices"
)

// The keys of the fields this package carries, as every log line spells
// them (docs/observability.md).
const (
	// KeyInvocationID is the Functions host's invocation id (the
	// X-Azure-Functions-InvocationId header).
	KeyInvocationID = "invocationId"
	// KeyMessageID is the Service Bus message id of the delivery.
	KeyMessageID = "messageId"
	// KeyRequestID is the request's requestId.
	KeyRequestID = "requestId"
	// KeyStep is the step running ("ensure-user").
	KeyStep = "step"
	// KeyAttempt is the step's attempt, counted over every run of the
	// request as the journal counts it (StepRecord.Attempts).
	KeyAttempt = "attempt"
)

type ctxKey struct{}

// With returns a context that carries attrs besides those ctx carries; an
// attr whose key ctx carries already replaces it. Carry identifiers only:
// never a secret, never a request body.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	if len(attrs) == 0 {
		return ctx
	}
	merged := slices.Clone(Attrs(ctx)) // never change what ctx carries
	for _, a := range attrs {
		merged = slices.DeleteFunc(merged, func(b slog.Attr) bool { return b.Key == a.Key })
		merged = append(merged, a)
	}
	return context.WithValue(ctx, ctxKey{}, merged)
}

// Attrs returns the attrs ctx carries, in the order they were added. The
// slice must not be modified.
func Attrs(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	a, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	return a
}

// Handler adds the attrs of the record's context (With) to every record
// it passes on. An attr the record has itself, or the logger was given
// with Logger.With, wins over the context's of the same key, so that a
// line never carries a key twice. A logger with a group (WithGroup) gets
// the context's attrs inside that group.
type Handler struct {
	inner slog.Handler
	// own are the top-level keys given with WithAttrs.
	own []string
}

// NewHandler wraps inner.
func NewHandler(inner slog.Handler) *Handler {
	return &Handler{inner: inner}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	attrs := Attrs(ctx)
	if len(attrs) == 0 {
		return h.inner.Handle(ctx, r)
	}
	var have []string
	r.Attrs(func(a slog.Attr) bool {
		have = append(have, a.Key)
		return true
	})
	r = r.Clone() // the caller's record shares its attrs' storage
	for _, a := range attrs {
		if !slices.Contains(h.own, a.Key) && !slices.Contains(have, a.Key) {
			r.AddAttrs(a)
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	own := slices.Clone(h.own)
	for _, a := range attrs {
		own = append(own, a.Key)
	}
	return &Handler{inner: h.inner.WithAttrs(attrs), own: own}
}

// WithGroup implements slog.Handler. Keys given after a group live in
// it, so they no longer clash with the context's top-level ones.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &Handler{inner: h.inner.WithGroup(name), own: nil}
}
