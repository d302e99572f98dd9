package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/logctx"
)

// Main is the binary: it owns the outputs, the environment and the clock
// so that the tests run it exactly as a user would.
type Main struct {
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool)
	// Clock is "now" for the commands that read time relative to it
	// (--since 7d, --expiring-within 14d, reconcile).
	Clock clock.Clock
}

// NewMain returns a Main on the real clock.
func NewMain(stdout, stderr io.Writer, lookup func(string) (string, bool)) *Main {
	return &Main{Stdout: stdout, Stderr: stderr, LookupEnv: lookup, Clock: clock.Real{}}
}

// globals are the persistent flags.
type globals struct {
	configPath string
	logLevel   string
}

// Run parses args and runs the command.
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.rootCommand()
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func (m *Main) rootCommand() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "vendorflow",
		Short: "Vendor service accounts for Dynamics 365 Remote Assist, from request to offboarding",
		Long: `vendorflow automates the lifecycle of vendor and contractor service accounts in a
Microsoft Entra ID tenant: create the account, place it in an information-barrier
segment, assign the Remote Assist license, deliver credentials to the vendor, and
offboard it when the contract ends. Every step is idempotent and retriable.

Start with the demo, which needs no cloud:
  vendorflow dev --demo

The same commands work on this machine (the SQLite journal, the embedded
queue, the emulator or a tenant) and against Azure (the Table Storage
journal, Service Bus, Microsoft Graph), chosen by the configuration:
` + "`vendorflow config --help`" + ` lists the settings and
` + "`vendorflow config check`" + ` shows which are in use. Every command that
reports has -o table|json; under -o json stdout holds one JSON document.

` + exitCodeHelp(),
		Example: `  vendorflow dev --demo
  vendorflow requests list --state parked --since 7d
  vendorflow accounts list --expiring-within 14d -o json
  vendorflow deadletters list`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "", "configuration file (YAML or JSON); default: $VENDORFLOW_CONFIG, else the built-in demo tenant")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level for the JSON logs on stderr: debug, info, warn, error")
	root.AddCommand(
		m.devCommand(g),
		m.processCommand(g),
		m.statusCommand(g),
		m.tenantsimCommand(g),
		m.configCommand(g),
		m.barriersCommand(g),
		m.serveCommand(g),
		m.enqueueCommand(g),
		m.deadlettersCommand(g),
		m.reconcileCommand(g),
		m.accountsCommand(g),
		m.doctorCommand(g),
		m.requestsCommand(g),
		m.planCommand(g),
	)
	applyConventions(root)
	return root
}

// loadConfig reads the configuration named by --config or VENDORFLOW_CONFIG.
// Its errors are Invalid (exit code 2) and name where the file was named.
func (m *Main) loadConfig(g *globals) (config.Config, error) {
	path, from := g.configPath, "--config"
	if path == "" {
		path, _ = m.LookupEnv(config.FileSetting)
		from = config.FileSetting
	}
	cfg, err := config.Load(path, m.LookupEnv)
	switch {
	case err == nil:
		return cfg, nil
	case path == "" && domain.ErrorCode(err) != domain.Internal:
		return cfg, err
	case path == "":
		return cfg, domain.Errorf(domain.Invalid, "%w", err)
	case domain.ErrorCode(err) != domain.Internal:
		return cfg, fmt.Errorf("%s %s: %w", from, path, err)
	}
	return cfg, domain.Errorf(domain.Invalid, "%s: %w", from, err)
}

// setup loads the configuration and builds the logger, which most commands
// need together.
func (m *Main) setup(g *globals) (config.Config, *slog.Logger, error) {
	cfg, err := m.loadConfig(g)
	if err != nil {
		return config.Config{}, nil, err
	}
	log, err := m.logger(g)
	if err != nil {
		return config.Config{}, nil, err
	}
	return cfg, log, nil
}

// logger returns the JSON logger on stderr at the chosen level. A line
// logged with a context carries the ids the context holds (pkg/logctx:
// invocationId, messageId, requestId, step, attempt).
func (m *Main) logger(g *globals) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, domain.Errorf(domain.Invalid, "--log-level must be debug, info, warn or error, not %q", g.logLevel)
	}
	return slog.New(logctx.NewHandler(slog.NewJSONHandler(m.Stderr, &slog.HandlerOptions{Level: lvl}))), nil
}

// exitError carries an explicit exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func asExit(err error, target **exitError) bool { return errors.As(err, target) }
