package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

func (m *Main) enqueueCommand(g *globals) *cobra.Command {
	var f rosterFlags
	var out *output
	c := &cobra.Command{
		Use:   "enqueue onboard|offboard FILE | enqueue --csv ROSTER",
		Short: "Send a request, or a CSV roster of people to onboard, to the queue (local, or Service Bus)",
		Long: `enqueue sends one onboard or offboard request (JSON; "-" reads stdin) to the
embedded queue at queue.path ($VENDORFLOW_QUEUE_PATH), the queue that
` + "`vendorflow dev`" + ` feeds to the handler — or, when queue.serviceBusNamespace
(ServiceBusConnection__fullyQualifiedNamespace) is set, to that Azure Service
Bus namespace with the app's identity. The request's requestId becomes the
message's MessageID and CorrelationID, so sending the same request again within
the duplicate-detection window is dropped, as Service Bus does. The request
itself is validated by the handler when it is delivered; one that is invalid
is parked (see ` + "`vendorflow deadletters`" + `).

With --csv, enqueue reads a roster: one person to onboard per row, columns
named by the header (docs/roster.md; a sample is docs/examples/roster.csv).
The whole file is validated first, with the handler's rules. If any row is
invalid, nothing is sent and every bad row is reported with its line and
reasons (exit code 2) — unless --skip-invalid is given: then the valid rows
are sent, the invalid ones are listed in the report, and the exit code is 0.
Each row's request id is derived from its content (or taken from a requestId
column), so running the same roster again enqueues nothing new: requests the
journal already knows are not sent ("known", with their status), and the
queue drops the ones it has seen within its duplicate-detection window
("duplicate"). Progress goes to stderr: a bar with rate and time left on a
terminal, plain lines otherwise (--progress). The report on stdout lists
every row with its line, request id and outcome: sent, invalid, known,
duplicate, repeat (the same request as an earlier row), valid (not sent,
since invalid rows stopped the run) or not sent (a send failed; run the
same roster again).

With --csv --plan nothing is sent: the valid rows are planned against the
configured tenant or emulator as ` + "`vendorflow plan`" + ` plans one request
(the real engine, no Graph write, no journal write; docs/plan.md), down the
roster, so that seats run out where they would: one line per row with where
it would end, then the seats each SKU would need against the free ones. The
invalid rows are listed; without --skip-invalid they make the exit code 2,
as they would stop the send; otherwise the exit code is the one of the first
row that would not reach done (5 for no free seat), else 0.

Exit codes with --csv: 0 every valid row was sent or was known already —
with --skip-invalid also when some rows were invalid (the report lists
them); 2 invalid rows without --skip-invalid (nothing was sent), or a roster
that cannot be used as a whole (its header, its size, not CSV); 4 no such
file; 1 or 6 a send or the journal failed (running the same roster again
sends only what was not sent).`,
		Example: `  vendorflow enqueue onboard request.json
  vendorflow enqueue offboard - < offboard.json
  vendorflow enqueue --csv roster.csv
  vendorflow enqueue --csv roster.csv --plan --skip-invalid
  vendorflow enqueue --csv roster.csv --skip-invalid
  vendorflow enqueue --csv roster.csv -o json | jq '.rows[] | select(.outcome == "invalid")'
  vendorflow enqueue --csv roster.csv --progress lines 2> progress.log`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.csv != "" {
				if len(args) > 0 {
					return fmt.Errorf("--csv takes no other arguments (got %q): a roster is only onboardings", args)
				}
				return nil
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if f.csv != "" {
				return m.enqueueRoster(cmd, g, f, out)
			}
			if cmd.Flags().Changed("skip-invalid") || cmd.Flags().Changed("progress") || cmd.Flags().Changed("plan") {
				return domain.Errorf(domain.Invalid, "--skip-invalid, --progress and --plan go with --csv (for one request: vendorflow plan onboard|offboard FILE)")
			}
			kind, body, err := kindAndRequest(cmd, args)
			if err != nil {
				return err
			}
			id, err := requestIDOf(body)
			if err != nil {
				return fmt.Errorf("%s: %w", args[1], err)
			}
			cfg, err := m.loadConfig(g)
			if err != nil {
				return err
			}
			log, err := m.logger(g)
			if err != nil {
				return err
			}
			bus, err := connect.OpenBus(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			defer bus.Close()
			if err := bus.Send(cmd.Context(), handler.OutMessage{
				MessageID:     id,
				Kind:          kind,
				Body:          body,
				CorrelationID: id,
			}); err != nil {
				return fmt.Errorf("send %s: %w", id, err)
			}
			name, err := bus.Names.ForKind(kind)
			if err != nil {
				return err
			}
			v := struct {
				Kind      string `json:"kind"`
				RequestID string `json:"requestId"`
				Queue     string `json:"queue"`
				Where     string `json:"where"`
			}{kind, id, name, bus.Where}
			return out.write(cmd.OutOrStdout(), v, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "enqueued %s request %s on queue %s in %s\n", kind, id, name, bus.Where)
				return err
			})
		},
	}
	f.register(c)
	out = outputFlag(c)
	return c
}

// requestIDOf returns the requestId of a request body, refusing a body that
// is not a JSON object or whose requestId is missing or malformed: the
// requestId is the message's identity on the queue.
func requestIDOf(body []byte) (string, error) {
	var r struct {
		RequestID *string `json:"requestId"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("not a JSON request: %w", err)
	}
	if r.RequestID == nil || *r.RequestID == "" {
		return "", errors.New("the request has no requestId; it is needed as the message id")
	}
	if !domain.ValidRequestID(*r.RequestID) {
		return "", fmt.Errorf("requestId %q must be 1 to 64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit", domain.Clip(*r.RequestID))
	}
	return *r.RequestID, nil
}
