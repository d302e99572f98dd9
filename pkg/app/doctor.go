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

// UsesEmbeddedEmulator reports whether doctor checks an emulator of its own:
// the configuration names no Graph endpoint and no identity, which is the
// default on a machine without Azure settings.
func UsesEmbeddedEmulator(cfg config.Config) bool {
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
	d.Deps.GraphWhere = "Microsoft Graph (" + graph.DefaultBaseURL + ")"
	if cfg.Graph.BaseURL != "" {
		d.Deps.GraphWhere = "Graph at " + cfg.Graph.BaseURL
	}
	if UsesEmbeddedEmulator(cfg) {
		url, stop, err := startEmulator(cfg, o)
		if err != nil {
			return nil, err
		}
		d.closes = append(d.closes, stop)
		gcfg.Graph.BaseURL = url
		d.Deps.GraphWhere = "the embedded emulator of the demo tenant " + cfg.Tenant.Domain + " (no Graph settings given)"
	}
	gc := graph.Config{BaseURL: gcfg.Graph.BaseURL, Logger: o.Logger, AttemptTimeout: time.Duration(cfg.Graph.AttemptTimeout)}
	if !gcfg.Graph.UsesEmulator() {
		cred, err := Credential(gcfg)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("graph credential: %w", err), d.Close())
		}
		gc.Credential = cred
	}
	dir, err := graph.New(gc)
	if err != nil {
		return nil, errors.Join(err, d.Close())
	}
	d.Deps.Directory = dir

	d.Deps.QueueNames = QueueNames(cfg)
	switch {
	case o.QueueAdmin != nil:
		d.Deps.Queues, d.Deps.QueuesWhere = serviceBusQueues{o.QueueAdmin}, "Service Bus namespace "+cfg.Queue.ServiceBusNamespace
	case cfg.Queue.ServiceBusNamespace != "":
		cred, err := Credential(cfg)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("service bus %s needs the app's identity: %w", cfg.Queue.ServiceBusNamespace, err), d.Close())
		}
		c, err := admin.NewClient(cfg.Queue.ServiceBusNamespace, cred, nil)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("service bus administration client: %w", err), d.Close())
		}
		d.Deps.Queues, d.Deps.QueuesWhere = serviceBusQueues{c}, "Service Bus namespace "+cfg.Queue.ServiceBusNamespace
	default:
		d.Deps.Queues, d.Deps.QueuesWhere = embeddedQueues{}, "the embedded queue "+cfg.Queue.Path
	}

	d.Deps.JournalWhere = cfg.Journal.Describe()
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
		info.Window, _ = parseISODuration(*w) // shown only; unparsed stays 0
	}
	return info, nil
}

// embeddedQueues: the embedded queue keeps every queue name in one file,
// created on first use, and always detects duplicates within
// queue.DefaultDuplicateDetectionWindow (the Service Bus default).
type embeddedQueues struct{}

func (embeddedQueues) Queue(context.Context, string) (doctor.QueueInfo, error) {
	return doctor.QueueInfo{DuplicateDetection: true, Window: queue.DefaultDuplicateDetectionWindow}, nil
}

// parseISODuration reads the ISO 8601 durations Service Bus reports
// ("PT10M", "P7D", "PT1H30M", "PT20S").
func parseISODuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("duration %q: not an ISO 8601 duration", s)
	if len(s) < 3 || s[0] != 'P' {
		return 0, bad
	}
	var total time.Duration
	inTime := false
	n := 0
	digits := false
	for _, r := range s[1:] {
		switch {
		case r == 'T':
			inTime = true
		case r >= '0' && r <= '9':
			n, digits = n*10+int(r-'0'), true
		default:
			if !digits {
				return 0, bad
			}
			unit := map[bool]map[rune]time.Duration{
				false: {'D': 24 * time.Hour, 'W': 7 * 24 * time.Hour},
				true:  {'H': time.Hour, 'M': time.Minute, 'S': time.Second},
			}[inTime][r]
			if unit == 0 {
				return 0, bad
			}
			total += time.Duration(n) * unit
			n, digits = 0, false
		}
	}
	if digits {
		return 0, bad
	}
	return total, nil
}
