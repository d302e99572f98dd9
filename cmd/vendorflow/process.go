package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// maxRequestFile caps a request file read from disk or stdin.
const maxRequestFile = 1 << 20

func (m *Main) processCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "process onboard|offboard FILE",
		Short: "Run one request through the engine now, against the configured tenant",
		Long: `process runs one onboard or offboard request (JSON; "-" reads stdin) through
the engine, directly: the configured Graph endpoint (a real tenant, or the
emulator via graph.baseUrl) and journal. It prints each step on stderr as it
happens, and the result on stdout: JSON by default, -o table for a line.
Running it again with the same request resumes or does nothing. The exit
code says why a request stopped.

` + exitCodeHelp(),
		Example: `  vendorflow process onboard request.json --config vendorflow.yaml
  vendorflow process offboard - -o table < offboard.json`,
		Args: cobra.ExactArgs(2),
	}
	o := outputFlag(c, formatJSON, formatTable)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		kind, payload, err := kindAndRequest(cmd, args)
		if err != nil {
			return err
		}
		cfg, log, err := m.setup(g)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		st, err := app.Open(cmd.Context(), cfg, app.Options{Logger: log, Observer: func(e engine.Event) {
			fmt.Fprintf(cmd.ErrOrStderr(), "%-20s %-20s %-8s attempt %d %s\n", e.RequestID, e.Step, e.Status, e.Attempt, e.Message)
		}})
		if err != nil {
			return err
		}
		defer st.Close()
		res, err := st.Engine.Process(cmd.Context(), kind, payload)
		if err != nil {
			return err
		}
		if err := o.write(out, res, func(w io.Writer) error { return writeResult(w, res) }); err != nil {
			return err
		}
		if res.Status != domain.RequestDone {
			return &exitError{code: domain.OutcomeOf(res.Code).ExitCode, err: fmt.Errorf("request %s is %s: %s", res.RequestID, res.Status, res.Reason)}
		}
		return nil
	}
	return c
}

// writeResult prints a run's result on one line.
func writeResult(w io.Writer, res engine.Result) error {
	line := fmt.Sprintf("request %s (%s) %s", res.RequestID, res.Kind, res.Status)
	if res.UPN != "" {
		line += " — " + res.UPN
	}
	if res.AlreadyDone {
		line += " (already done: nothing read or written)"
	}
	if res.Reason != "" {
		line += fmt.Sprintf(": [%s] %s", res.Code, res.Reason)
	}
	if res.RetryAfter > 0 {
		line += fmt.Sprintf("; retry after %s", res.RetryAfter)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// kindAndRequest reads the KIND FILE arguments of process, plan and
// enqueue: the kind, onboard or offboard, and the request's JSON from the
// file ("-": stdin).
func kindAndRequest(cmd *cobra.Command, args []string) (string, []byte, error) {
	kind := args[0]
	if kind != domain.KindOnboard && kind != domain.KindOffboard {
		return "", nil, domain.Errorf(domain.Invalid, "the first argument must be onboard or offboard, not %q", kind)
	}
	body, err := readRequest(cmd.InOrStdin(), args[1])
	return kind, body, err
}

func readRequest(stdin io.Reader, name string) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, domain.Errorf(domain.NotFound, "request file %s: no such file", name)
		}
		if err != nil {
			return nil, domain.Errorf(domain.Invalid, "request file %s: %w", name, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxRequestFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRequestFile {
		return nil, domain.Errorf(domain.Invalid, "%s is larger than %d bytes", name, maxRequestFile)
	}
	return b, nil
}
