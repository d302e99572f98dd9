package devhost

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// Host is the local Functions host: one dispatcher per Service Bus function,
// one scheduler per timer function, and the HTTP front door.
type Host struct {
	cfg Config
	enc *funchost.Encoder
	ln  net.Listener
	rr  atomic.Uint64 // round robin over Handlers for timer and HTTP invocations
}

// New validates cfg and, if any HTTP function is configured, opens the front
// door's listener (so that FrontDoorURL is known before Run).
func New(cfg Config) (*Host, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	enc, err := funchost.NewEncoder(funchost.EncoderConfig{Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("devhost: %w", err)
	}
	h := &Host{cfg: cfg, enc: enc}
	if len(h.httpFunctions()) > 0 || cfg.Metrics != nil {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return nil, fmt.Errorf("devhost: front door: %w", err)
		}
		h.ln = ln
	}
	return h, nil
}

// FrontDoorURL returns "http://ADDR" of the front door (its routes are under
// /api/, the metrics at /metrics), or "" when neither an HTTP function nor
// Metrics is configured.
func (h *Host) FrontDoorURL() string {
	if h.ln == nil {
		return ""
	}
	return "http://" + h.ln.Addr().String()
}

// Run serves until ctx ends, then stops taking work, waits for invocations in
// flight, closes the front door and returns nil. A failing component ends Run
// with its error. Call Run once.
func (h *Host) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	start := func(name string, fn func(context.Context) error) {
		wg.Go(func() {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
				cancel()
			}
		})
	}
	if h.cfg.WatchInterval > 0 && h.cfg.Queue != nil {
		start("queue watch", func(ctx context.Context) error { return h.cfg.Queue.WatchOthers(ctx, h.cfg.WatchInterval) })
	}
	for _, f := range h.cfg.Functions {
		switch f.Trigger {
		case funcapp.TriggerServiceBus:
			start(f.Name, func(ctx context.Context) error { return h.dispatch(ctx, f, h.cfg.Settings[f.Setting]) })
		case funcapp.TriggerTimer:
			sched, _ := ParseSchedule(h.cfg.schedule(f)) // checked by Validate
			start(f.Name, func(ctx context.Context) error { return h.runTimer(ctx, f, sched) })
		}
	}
	if h.ln != nil {
		srv := funchost.NewServer(h, funchost.DefaultTimeouts())
		srv.BaseContext = func(net.Listener) context.Context { return ctx }
		start("front door", func(ctx context.Context) error {
			go func() {
				<-ctx.Done()
				shut, done := context.WithTimeout(context.Background(), 5*time.Second)
				defer done()
				_ = srv.Shutdown(shut)
			}()
			if err := srv.Serve(h.ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	h.cfg.Logger.InfoContext(ctx, "local functions host started", "handlers", len(h.cfg.Handlers), "frontDoor", h.FrontDoorURL())
	wg.Wait()
	return errors.Join(errs...)
}

func (h *Host) observe(inv Invocation) {
	if h.cfg.Observe != nil {
		h.cfg.Observe(inv)
	}
}
