package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/benchreport"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

func (m *Main) tenantsimCommand(g *globals) *cobra.Command {
	var (
		addr, seed, domainName string
		rate                   float64
		lag                    time.Duration
		faultSeed              int64
		seats, managed         int
		expiredShare           float64
		auth, strict, lenient  bool
		roles                  []string
	)
	c := &cobra.Command{
		Use:   "tenantsim",
		Short: "Serve the Graph-compatible tenant emulator on a local address",
		Long: `tenantsim serves a Microsoft Graph v1.0-compatible tenant on a loopback address:
users, groups, licenses with seat counts, Temporary Access Passes, sendMail
(captured in an outbox), deleted items and $batch, with Graph's status codes and
error JSON, and deterministic fault injection.

Point vendorflow at it with graph.baseUrl (or VENDORFLOW_GRAPH_BASE_URL) set to
http://ADDR/v1.0. Inspect it under http://ADDR/_sim/ (outbox, stats, users,
faults, reset, roles, tap-policy, token).

It is strict by default: writes need a JSON Content-Type, unknown properties
(in bodies and $select) are refused, and nullability and documented lengths
are checked, as Graph does. --lenient turns those checks off for exploring by
hand; never point tests at a lenient emulator. docs/emulator.md lists what the
emulator reproduces and what it does not.`,
		Example: `  vendorflow tenantsim --addr 127.0.0.1:8089 --seed demo
  vendorflow tenantsim --faults 0.2 --lag 2s
  vendorflow tenantsim --seats 500   # room for a large backlog
  vendorflow tenantsim --managed 100000 --expired-share 0.02   # a large tenant for the expiry sweep
  vendorflow tenantsim --lenient     # explore with curl, without Content-Type
  vendorflow tenantsim --roles User.ReadWrite.All,User.Read.All   # an app missing permissions: 403s, and doctor's ✗`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := m.loadConfig(g)
			if err != nil {
				return err
			}
			if domainName == "" {
				domainName = cfg.Tenant.Domain
			}
			if cmd.Flags().Changed("expired-share") && managed == 0 {
				return domain.Errorf(domain.Invalid, "--expired-share applies to --managed accounts")
			}
			if cmd.Flags().Changed("strict") && cmd.Flags().Changed("lenient") && strict == lenient {
				return domain.Errorf(domain.Invalid, "--strict=%t and --lenient=%t contradict each other; give one of them", strict, lenient)
			}
			if cmd.Flags().Changed("strict") && !strict {
				lenient = true
			}
			log, err := m.logger(g)
			if err != nil {
				return err
			}
			simCfg := tenantsim.Config{Domain: domainName, RequireAuth: auth, Lenient: lenient, Logger: log}
			if cmd.Flags().Changed("roles") {
				known := tenantsim.KnownRoles()
				for _, r := range roles {
					if !slices.Contains(known, r) {
						return domain.Errorf(domain.Invalid, "--roles: %q is not a permission the emulator knows (%s)", r, strings.Join(known, ", "))
					}
				}
				simCfg.Roles = append([]string{}, roles...)
			}
			sim, err := tenantsim.New(simCfg)
			if err != nil {
				return err
			}
			var s tenantsim.Seed
			switch seed {
			case "demo":
				s = tenantsim.DemoSeed(domainName)
			case "empty":
				s = tenantsim.EmptySeed(domainName)
			default:
				return domain.Errorf(domain.Invalid, "--seed must be demo or empty, not %q", seed)
			}
			if seats > 0 {
				if seed != "demo" {
					return domain.Errorf(domain.Invalid, "--seats needs --seed demo (the empty seed has no SKUs)")
				}
				for _, part := range []string{tenantsim.PartRemoteAssist, tenantsim.PartMicrosoft365E5Compliance} {
					if s, err = s.WithSeats(part, seats); err != nil {
						return err
					}
				}
			}
			if managed > 0 {
				t := cfg.Tenant
				if !strings.EqualFold(t.Domain, domainName) {
					return domain.Errorf(domain.Invalid, "--managed makes accounts in the configured tenant %s, not --domain %s", t.Domain, domainName)
				}
				users, err := managedAccounts(t, managed, expiredShare, time.Now())
				if err != nil {
					return err
				}
				s.Users = append(s.Users, users...)
			}
			if err := sim.Load(s); err != nil {
				return err
			}
			if rate > 0 || lag > 0 {
				sim.SetFaults(tenantsim.Faults{Seed: faultSeed, ReplicationLag: lag,
					Routes: map[string]tenantsim.RouteFaults{"*": {Rate429: rate / 2, Rate503: rate / 2}}})
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
				ln.Close()
				return domain.Errorf(domain.Invalid, "--addr %s is not a loopback address; the emulator serves this machine only", addr)
			}
			if lenient {
				fmt.Fprintln(cmd.ErrOrStderr(), "lenient: Content-Type, unknown properties, nullability and lengths are not checked; Graph checks them")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "tenant %s emulated at http://%s/v1.0 (admin: http://%s/_sim/); Ctrl-C stops\n", domainName, ln.Addr(), ln.Addr())
			if prefix, ok := m.LookupEnv(benchreport.EnvCPUProfile); ok && prefix != "" {
				stop, err := startCPUProfile(prefix)
				if err != nil {
					return err
				}
				defer stop()
			}
			hs := funchost.NewServer(sim, funchost.DefaultTimeouts())
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = hs.Shutdown(ctx)
			}()
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8089", "loopback address to listen on")
	f.StringVar(&seed, "seed", "demo", "initial tenant: demo (the seed scenario's ABC.com) or empty")
	f.StringVar(&domainName, "domain", "", "verified domain (default: tenant.domain of the configuration)")
	f.Float64Var(&rate, "faults", 0, "inject 429 and 503 answers on every route at this rate")
	f.DurationVar(&lag, "lag", 0, "replication lag for new objects")
	f.Int64Var(&faultSeed, "fault-seed", 1, "seed for fault decisions")
	f.IntVar(&seats, "seats", 0, "Remote Assist and barrier-licence (INFORMATION_PROTECTION_COMPLIANCE) seats in the demo seed (default: the seed's 5 each)")
	f.IntVar(&managed, "managed", 0, "also seed this many service accounts as vendorflow makes them, spread over the configured vendors (for the expiry sweep's benchmarks)")
	f.Float64Var(&expiredShare, "expired-share", 0, "the share of the --managed accounts whose contract ended yesterday (0..1); the others end in 90 days")
	f.BoolVar(&strict, "strict", true, "check Content-Type, unknown properties, nullability and documented lengths as Graph does")
	f.BoolVar(&lenient, "lenient", false, "turn the strict checks off (for exploring only; same as --strict=false)")
	f.BoolVar(&auth, "require-auth", true, "answer 401 to requests without a bearer token, as Graph does")
	f.StringSliceVar(&roles, "roles", nil, "the Graph application permissions the emulated app holds (default: every one the emulator knows); a call none of them allows answers 403, and tokens from /_sim/token carry them")
	return c
}
