package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

func (m *Main) deadlettersCommand(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "deadletters",
		Short: "List, show, replay or purge the parked and dead-lettered messages",
		Long: `deadletters inspects the messages set aside in the embedded queue at
queue.path ($VENDORFLOW_QUEUE_PATH), or in Azure Service Bus when
queue.serviceBusNamespace is set: requests the handler parked (invalid,
conflict, business failure, retries exhausted) and messages the queue
dead-lettered (delivered too often, expired).

  list               one line per message, without bodies
  show ID            one message with its body
  replay ID          send it back to its queue; the engine resumes the request
                     from its first unfinished step (or --all, --request-id X)
  purge ID --yes     delete it for good (or --all --yes)`,
		Example: `  vendorflow deadletters list
  vendorflow deadletters show req-42-retry-8
  vendorflow deadletters replay --request-id req-42
  vendorflow deadletters purge --all --yes`,
	}
	c.AddCommand(m.deadlettersList(g), m.deadlettersShow(g), m.deadlettersReplay(g), m.deadlettersPurge(g))
	return c
}

// withDeadLetters opens the bus (local or Service Bus), runs fn and closes
// it. A local queue must exist: inspecting it never creates one.
func (m *Main) withDeadLetters(ctx context.Context, g *globals, fn func(handler.DeadLetterStore) error) error {
	cfg, log, err := m.setup(g)
	if err != nil {
		return err
	}
	if err := connect.CheckQueueExists(cfg); err != nil {
		return err
	}
	bus, err := connect.OpenBus(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer bus.Close()
	return fn(bus)
}

func (m *Main) deadlettersList(g *globals) *cobra.Command {
	var f handler.Filter
	var requestID string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the parked and dead-lettered messages (no bodies)",
		Example: `  vendorflow deadletters list
  vendorflow deadletters list --source parked --reason "no free seat"
  vendorflow deadletters list --request-id req-42 -o json`,
		Args: cobra.NoArgs,
	}
	c.Flags().StringVar(&requestID, "request-id", "", "only the messages of this requestId")
	c.Flags().StringVar(&f.Source, "source", "", "only "+handler.SourceParked+" or "+handler.SourceDeadLetter+" messages")
	c.Flags().StringVar(&f.Reason, "reason", "", "only messages whose reason contains this text (case-insensitive)")
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if f.Source != "" && f.Source != handler.SourceParked && f.Source != handler.SourceDeadLetter {
			return domain.Errorf(domain.Invalid, "--source must be %s or %s, not %q", handler.SourceParked, handler.SourceDeadLetter, f.Source)
		}
		if requestID != "" {
			f.RequestIDs = []string{requestID}
		}
		return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
			dls, err := bus.List(cmd.Context(), f)
			if err != nil {
				return err
			}
			for i := range dls {
				dls[i].Body = nil // the list leaves bodies to show
			}
			return o.write(cmd.OutOrStdout(), nonNil(dls), func(w io.Writer) error { return writeDeadLetters(w, dls) })
		})
	}
	return c
}

// writeDeadLetters prints the dead-letter list.
func writeDeadLetters(out io.Writer, dls []handler.DeadLetter) error {
	if len(dls) == 0 {
		_, err := fmt.Fprintln(out, "no parked or dead-lettered messages")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MESSAGE ID\tREQUEST ID\tSOURCE\tQUEUE\tSET ASIDE\tATTEMPTS\tDELIVERIES\tCODE\tREASON")
	for _, d := range dls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.MessageID, d.RequestID, d.Source, d.Queue,
			d.DeadLetteredAt.UTC().Format(time.RFC3339), d.Attempts, d.DeliveryCount, d.Code, d.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "%d message(s); `vendorflow deadletters show ID` prints one with its body\n", len(dls))
	return err
}

// nonNil is s, or an empty slice for nil, so that JSON prints [] for an
// empty list.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// shownDeadLetter is a dead letter as `show` prints it: the body as JSON when
// it is JSON, else as text.
type shownDeadLetter struct {
	handler.DeadLetter
	Body any `json:"body,omitempty"`
}

func (m *Main) deadlettersShow(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Print a parked or dead-lettered message with its body (JSON by default)",
		Long: `show prints the messages set aside under one message id, with their bodies.
-o json (the default) prints them as one JSON array, usually of one message:
an id can be set aside in more than one queue. -o table prints each
message's fields, then its body.`,
		Example: `  vendorflow deadletters show req-42-retry-8
  vendorflow deadletters show req-42-retry-8 | jq '.[0].body'
  vendorflow deadletters show req-42-retry-8 -o table`,
		Args: cobra.ExactArgs(1),
	}
	o := outputFlag(c, formatJSON, formatTable)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
			dls, err := bus.List(cmd.Context(), handler.Filter{MessageIDs: []string{args[0]}})
			if err != nil {
				return err
			}
			if len(dls) == 0 {
				return domain.Errorf(domain.NotFound, "no parked or dead-lettered message with id %q (`vendorflow deadletters list` lists them)", args[0])
			}
			shown := make([]shownDeadLetter, len(dls))
			for i, d := range dls {
				shown[i] = shownDeadLetter{DeadLetter: d, Body: string(d.Body)}
				if json.Valid(d.Body) {
					shown[i].Body = json.RawMessage(d.Body)
				}
			}
			return o.write(cmd.OutOrStdout(), shown, func(w io.Writer) error { return writeShownDeadLetters(w, dls) })
		})
	}
	return c
}

// writeShownDeadLetters prints each message's fields, then its body.
func writeShownDeadLetters(out io.Writer, dls []handler.DeadLetter) error {
	for i, d := range dls {
		if i > 0 {
			fmt.Fprintln(out)
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, f := range [][2]string{
			{"message id", d.MessageID}, {"request id", d.RequestID}, {"source", d.Source}, {"queue", d.Queue},
			{"enqueued", formatTime(d.EnqueuedAt)}, {"set aside", formatTime(d.DeadLetteredAt)},
			{"attempts", strconv.Itoa(d.Attempts)}, {"deliveries", strconv.Itoa(d.DeliveryCount)},
			{"code", d.Code}, {"reason", d.Reason},
		} {
			fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(out, "body:")
		var body bytes.Buffer
		if json.Indent(&body, d.Body, "  ", "  ") != nil {
			body.Reset()
			body.Write(d.Body)
		}
		if _, err := fmt.Fprintf(out, "  %s\n", body.String()); err != nil {
			return err
		}
	}
	return nil
}

// selection is the target of replay and purge: one message id, every
// message (--all), or the messages of one requestId.
type selection struct {
	all       bool
	requestID string
}

// filter turns args and flags into a filter, refusing an empty or ambiguous
// selection so that nothing is replayed or purged by accident.
func (s selection) filter(args []string, withRequestID bool) (handler.Filter, error) {
	n := 0
	var f handler.Filter
	if len(args) == 1 {
		n++
		f.MessageIDs = []string{args[0]}
	}
	if s.all {
		n++
	}
	if s.requestID != "" {
		n++
		f.RequestIDs = []string{s.requestID}
	}
	switch {
	case n == 0 && withRequestID:
		return f, domain.Errorf(domain.Invalid, "name a message ID, or pass --all or --request-id")
	case n == 0:
		return f, domain.Errorf(domain.Invalid, "name a message ID, or pass --all")
	case n > 1:
		return f, domain.Errorf(domain.Invalid, "give only one of: a message ID, --all, --request-id")
	}
	return f, nil
}

func (m *Main) deadlettersReplay(g *globals) *cobra.Command {
	var s selection
	c := &cobra.Command{
		Use:   "replay [ID|--all|--request-id X]",
		Short: "Send parked or dead-lettered messages back to their queue",
		Long: `replay sends the selected messages back to their queue; the engine resumes
each request from its first unfinished step. Select one message by its id,
the messages of one request (--request-id), or every message (--all).`,
		Example: `  vendorflow deadletters replay req-42-retry-8
  vendorflow deadletters replay --request-id req-42
  vendorflow deadletters replay --all -o json`,
		Args: cobra.MaximumNArgs(1),
	}
	c.Flags().BoolVar(&s.all, "all", false, "replay every parked and dead-lettered message")
	c.Flags().StringVar(&s.requestID, "request-id", "", "replay the messages of this requestId")
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		f, err := s.filter(args, true)
		if err != nil {
			return err
		}
		return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
			n, err := bus.Replay(cmd.Context(), f)
			if err != nil {
				return err
			}
			return o.write(cmd.OutOrStdout(), map[string]int{"replayed": n}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "replayed %d message(s)\n", n)
				return err
			})
		})
	}
	return c
}

func (m *Main) deadlettersPurge(g *globals) *cobra.Command {
	var (
		s   selection
		yes bool
	)
	c := &cobra.Command{
		Use:   "purge [ID|--all] --yes",
		Short: "Delete parked or dead-lettered messages for good",
		Long: `purge deletes the selected messages for good: one message by its id, or
every message (--all). It asks for --yes, as there is no undo.`,
		Example: `  vendorflow deadletters purge req-42-retry-8 --yes
  vendorflow deadletters purge --all --yes -o json`,
		Args: cobra.MaximumNArgs(1),
	}
	c.Flags().BoolVar(&s.all, "all", false, "purge every parked and dead-lettered message")
	c.Flags().BoolVar(&yes, "yes", false, "confirm the deletion")
	o := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		f, err := s.filter(args, false)
		if err != nil {
			return err
		}
		if !yes {
			return domain.Errorf(domain.Invalid, "purge deletes messages for good; add --yes to confirm")
		}
		return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
			n, err := bus.Purge(cmd.Context(), f)
			if err != nil {
				return err
			}
			return o.write(cmd.OutOrStdout(), map[string]int{"purged": n}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "purged %d message(s)\n", n)
				return err
			})
		})
	}
	return c
}
