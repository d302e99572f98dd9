package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

func (m *Main) enqueueCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "enqueue onboard|offboard FILE",
		Short: "Send one request to the onboard or offboard queue (local, or Service Bus)",
		Long: `enqueue sends one onboard or offboard request (JSON; "-" reads stdin) to the
embedded queue at queue.path ($VENDORFLOW_QUEUE_PATH), the queue that
` + "`vendorflow dev`" + ` feeds to the handler — or, when queue.serviceBusNamespace
(ServiceBusConnection__fullyQualifiedNamespace) is set, to that Azure Service
Bus namespace with the app's identity. The request's requestId becomes the
message's MessageID and CorrelationID, so sending the same request again within
the duplicate-detection window is dropped, as Service Bus does. The request
itself is validated by the handler when it is delivered; one that is invalid
is parked (see ` + "`vendorflow deadletters`" + `).`,
		Example: `  vendorflow enqueue onboard request.json
  vendorflow enqueue offboard - < offboard.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			if kind != domain.KindOnboard && kind != domain.KindOffboard {
				return fmt.Errorf("first argument must be onboard or offboard, not %q", kind)
			}
			body, err := readRequest(cmd.InOrStdin(), args[1])
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
			bus, err := app.OpenBus(cmd.Context(), cfg, log)
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
			fmt.Fprintf(cmd.OutOrStdout(), "enqueued %s request %s on queue %s in %s\n", kind, id, name, bus.Where)
			return nil
		},
	}
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
