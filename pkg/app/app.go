// Package app wires vendorflow together from its configuration: the
// journal, the Graph directory and the engine. The binary's commands and
// the end-to-end tests both build on it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/journal"
)

// Options are the parts a caller may inject (tests, the dev host).
type Options struct {
	Clock    engine.Clock
	Logger   *slog.Logger
	Observer func(engine.Event)
	Hooks    engine.Hooks
	// Engine tunes retries; zero values take the engine's defaults.
	Engine engine.Config
}

// Stack is an opened vendorflow: close it when done.
type Stack struct {
	Config  config.Config
	Journal *journal.Journal
	Graph   *graph.Client
	Engine  *engine.Engine
}

// Open opens the journal, builds the Graph client (authenticated unless the
// base URL is the loopback emulator) and the engine.
func Open(ctx context.Context, cfg config.Config, o Options) (*Stack, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	j, err := journal.Open(ctx, journal.Config{Path: cfg.Journal.Path, Clock: o.Clock})
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", cfg.Journal.Path, err)
	}
	s := &Stack{Config: cfg, Journal: j}
	gc := graph.Config{BaseURL: cfg.Graph.BaseURL, Clock: o.Clock, Logger: o.Logger}
	if !cfg.Graph.UsesEmulator() {
		cred, err := graph.CredentialFromSettings(graph.AuthSettings{
			TenantID:           cfg.Graph.TenantID,
			ClientID:           cfg.Graph.ClientID,
			ClientSecret:       cfg.Graph.ClientSecret,
			CertificatePath:    cfg.Graph.CertificatePath,
			UseManagedIdentity: cfg.Graph.ManagedIdentity,
		})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("graph credential: %w", err), s.Close())
		}
		gc.Credential = cred
	}
	if s.Graph, err = graph.New(gc); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	ec := o.Engine
	ec.Tenant, ec.Directory, ec.Journal = cfg.Tenant, s.Graph, j
	ec.Clock, ec.Logger, ec.Observer, ec.Hooks = o.Clock, o.Logger, o.Observer, o.Hooks
	if s.Engine, err = engine.New(ec); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// Close releases what Open opened.
func (s *Stack) Close() error {
	if s == nil || s.Journal == nil {
		return nil
	}
	return s.Journal.Close()
}
