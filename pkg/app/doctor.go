package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus/admin"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/doctor"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/queue"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// DoctorOptions tune OpenDoctor.
type DoctorOptions struct {
	Logger *slog.Logger
	// QueueAdmin replaces the Service Bus administration client (tests).
	QueueAdmin QueueAdmin
	// Emulator, when set, is the emulator doctor starts when the
	// configuration names no Graph (tests set its roles and policy).
	Emulator *tenantsim.Server
}

// usesEmbeddedEmulator reports whether doctor checks an emulator of its own:
// the configuration names no Graph endpoint and no identity, which is the
// default on a machine without Azure settings.
func usesEmbeddedEmulator(cfg config.Config) bool {
	g := cfg.Graph
	return g.BaseURL == "" && g.TenantID == "" && g.ClientID == "" && !g.ManagedIdentity &&
		g.CertificatePath == "" && g.ClientSecret.IsZero()
}

// Doctor is an opened preflight: Deps for doctor.Run, and Close.
type Doctor struct {
	Deps   doctor.Deps
	closes []func() error
}

// Close releases what OpenDoctor opened.
func (d *Doctor) Close() error {
	var errs []error
	for i := len(d.closes) - 1; i >= 0; i-- {
		errs = append(errs, d.closes[i]())
	}
	return errors.Join(errs...)
}

// OpenDoctor connects to what cfg names for `vendorflow doctor`: Graph (or,
// without Graph settings, an emulator of the demo tenant it starts on a
// loopback port), the queues (Service Bus administration, or the embedded
// queue) and the journal. A journal that does not open is reported by the
// journal check, not returned.
func OpenDoctor(ctx context.Context, cfg config.Config, o DoctorOptions) (*Doctor, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Doctor{}
	d.Deps.Tenant = cfg.Tenant
	d.Deps.Permissions = graph.Permissions()

	gcfg := cfg
	places := PlacesOf(cfg)
	d.Deps.GraphWhere = places.Graph
	if usesEmbeddedEmulator(cfg) {
		url, stop, err := startEmulator(cfg, o)
		if err != nil {
			return nil, err
		}
		d.closes = append(d.closes, stop)
		gcfg.Graph.BaseURL = url
		d.Deps.GraphWhere = "the embedded emulator of the demo tenant " + cfg.Tenant.Domain + " (no Graph settings given)"
	}
	gc, err := graphConfig(gcfg, nil, o.Logger)
	if err != nil {
		return nil, errors.Join(err, d.Close())
	}
	dir, err := graph.New(gc)
	if err != nil {
		return nil, errors.Join(err, d.Close())
	}
	d.Deps.Directory = dir

	d.Deps.QueueNames = connect.QueueNames(cfg)
	d.Deps.Queues, d.Deps.QueuesWhere = embeddedQueues{}, places.Queue
	if ns := cfg.Queue.ServiceBusNamespace; ns != "" || o.QueueAdmin != nil {
		qa := o.QueueAdmin
		if qa == nil {
			cred, err := connect.Credential(cfg)
			if err != nil {
				return nil, errors.Join(connect.NeedsIdentity(connect.ServiceBusWhat(cfg), err), d.Close())
			}
			if qa, err = admin.NewClient(ns, cred, nil); err != nil {
				return nil, errors.Join(fmt.Errorf("service bus administration client: %w", err), d.Close())
			}
		}
		d.Deps.Queues, d.Deps.QueuesWhere = serviceBusQueues{qa}, places.Queue
	}

	d.Deps.JournalWhere = places.Journal
	j, err := OpenJournal(ctx, cfg, nil)
	if err != nil {
		d.Deps.JournalErr = err
	} else {
		d.Deps.Journal = j
		d.closes = append(d.closes, j.Close)
	}
	return d, nil
}

// startEmulator serves the demo tenant of cfg's domain on a loopback port
// (o.Emulator when given) and returns its Graph base URL.
func startEmulator(cfg config.Config, o DoctorOptions) (string, func() error, error) {
	sim := o.Emulator
	if sim == nil {
		var err error
		if sim, err = tenantsim.New(tenantsim.Config{Domain: cfg.Tenant.Domain, RequireAuth: true, Logger: o.Logger}); err != nil {
			return "", nil, fmt.Errorf("start the emulator: %w", err)
		}
		if err := sim.Load(tenantsim.DemoSeed(cfg.Tenant.Domain)); err != nil {
			return "", nil, fmt.Errorf("start the emulator: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("start the emulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/v1.0", srv.Close, nil
}

// QueueAdmin is the part of the Service Bus administration client doctor
// uses (azservicebus/admin.Client): GetQueue answers nil, nil when the
// queue does not exist.
type QueueAdmin interface {
	GetQueue(ctx context.Context, name string, o *admin.GetQueueOptions) (*admin.GetQueueResponse, error)
}

type serviceBusQueues struct{ c QueueAdmin }

func (s serviceBusQueues) Queue(ctx context.Context, name string) (doctor.QueueInfo, error) {
	q, err := s.c.GetQueue(ctx, name, nil)
	if err != nil {
		return doctor.QueueInfo{}, err
	}
	if q == nil {
		return doctor.QueueInfo{}, domain.Errorf(domain.NotFound, "queue %s does not exist", name)
	}
	info := doctor.QueueInfo{DuplicateDetection: q.RequiresDuplicateDetection != nil && *q.RequiresDuplicateDetection}
	if w := q.DuplicateDetectionHistoryTimeWindow; w != nil {
		info.Window = *w // ISO 8601, as Service Bus reports it ("PT2H")
	}
	return info, nil
}

// embeddedQueues: the embedded queue keeps every queue name in one file,
// created on first use, and always detects duplicates within
// queue.DefaultDuplicateDetectionWindow (the Service Bus default).
type embeddedQueues struct{}

func (embeddedQueues) Queue(context.Context, string) (doctor.QueueInfo, error) {
	return doctor.QueueInfo{DuplicateDetection: true, Window: queue.DefaultDuplicateDetectionWindow.String()}, nil
}
