package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// maxRequestFile caps a request file read from disk or stdin.
const maxRequestFile = 1 << 20

func (m *Main) processCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "process onboard|offboard FILE",
		Short: "Run one request through the engine now, against the configured tenant",
		Long: `process runs one onboard or offboard request (JSON; "-" reads stdin) through
the engine, directly: the configured Graph endpoint (a real tenant, or the
emulator via graph.baseUrl) and journal. It prints each step and the result as
JSON. Running it again with the same request resumes or does nothing.

Exit codes: 0 done, 2 invalid request, 3 conflict, 4 not found, 5 business
failure (e.g. no free seat), 6 transient (retry later), 1 other.`,
		Example: `  vendorflow process onboard request.json --config vendorflow.yaml`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			if kind != domain.KindOnboard && kind != domain.KindOffboard {
				return fmt.Errorf("first argument must be onboard or offboard, not %q", kind)
			}
			payload, err := readRequest(cmd.InOrStdin(), args[1])
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
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				return err
			}
			if res.Status != domain.RequestDone {
				return &exitError{code: domain.OutcomeOf(res.Code).ExitCode, err: fmt.Errorf("request %s is %s: %s", res.RequestID, res.Status, res.Reason)}
			}
			return nil
		},
	}
}

func readRequest(stdin io.Reader, name string) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxRequestFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRequestFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxRequestFile)
	}
	return b, nil
}
