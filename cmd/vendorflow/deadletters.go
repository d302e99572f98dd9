package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
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
// it.
func (m *Main) withDeadLetters(ctx context.Context, g *globals, fn func(handler.DeadLetterStore) error) error {
	cfg, log, err := m.setup(g)
	if err != nil {
		return err
	}
	bus, err := app.OpenBus(ctx, cfg, log)
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
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if requestID != "" {
				f.RequestIDs = []string{requestID}
			}
			return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
				dls, err := bus.List(cmd.Context(), f)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if len(dls) == 0 {
					fmt.Fprintln(out, "no parked or dead-lettered messages")
					return nil
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
				fmt.Fprintf(out, "%d message(s); `vendorflow deadletters show ID` prints one with its body\n", len(dls))
				return nil
			})
		},
	}
	c.Flags().StringVar(&requestID, "request-id", "", "only the messages of this requestId")
	c.Flags().StringVar(&f.Source, "source", "", "only "+handler.SourceParked+" or "+handler.SourceDeadLetter+" messages")
	c.Flags().StringVar(&f.Reason, "reason", "", "only messages whose reason contains this text (case-insensitive)")
	return c
}

// shownDeadLetter is a dead letter as `show` prints it: the body as JSON when
// it is JSON, else as text.
type shownDeadLetter struct {
	handler.DeadLetter
	Body any `json:"body,omitempty"`
}

func (m *Main) deadlettersShow(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print one parked or dead-lettered message, with its body, as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
				dls, err := bus.List(cmd.Context(), handler.Filter{MessageIDs: []string{args[0]}})
				if err != nil {
					return err
				}
				if len(dls) == 0 {
					return fmt.Errorf("no parked or dead-lettered message with id %q (see `vendorflow deadletters list`)", args[0])
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				for _, d := range dls {
					s := shownDeadLetter{DeadLetter: d, Body: string(d.Body)}
					if json.Valid(d.Body) {
						s.Body = json.RawMessage(d.Body)
					}
					if err := enc.Encode(s); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
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
		return f, errors.New("name a message ID, or pass --all or --request-id")
	case n == 0:
		return f, errors.New("name a message ID, or pass --all")
	case n > 1:
		return f, errors.New("give only one of: a message ID, --all, --request-id")
	}
	return f, nil
}

func (m *Main) deadlettersReplay(g *globals) *cobra.Command {
	var s selection
	c := &cobra.Command{
		Use:   "replay [ID|--all|--request-id X]",
		Short: "Send parked or dead-lettered messages back to their queue",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := s.filter(args, true)
			if err != nil {
				return err
			}
			return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
				n, err := bus.Replay(cmd.Context(), f)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "replayed %d message(s)\n", n)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&s.all, "all", false, "replay every parked and dead-lettered message")
	c.Flags().StringVar(&s.requestID, "request-id", "", "replay the messages of this requestId")
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
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := s.filter(args, false)
			if err != nil {
				return err
			}
			if !yes {
				return errors.New("purge deletes messages for good; add --yes to confirm")
			}
			return m.withDeadLetters(cmd.Context(), g, func(bus handler.DeadLetterStore) error {
				n, err := bus.Purge(cmd.Context(), f)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "purged %d message(s)\n", n)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&s.all, "all", false, "purge every parked and dead-lettered message")
	c.Flags().BoolVar(&yes, "yes", false, "confirm the deletion")
	return c
}
