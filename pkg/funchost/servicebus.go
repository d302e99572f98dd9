package funchost

import (
	"fmt"
	"net/http"
	"time"
)

// HeaderInvocationID is the header in which the host passes the invocation id
// (HOST HttpWorkerConstants.InvocationIdHeaderName).
const HeaderInvocationID = "X-Azure-Functions-InvocationId"

// ServiceBusMessage is a Service Bus trigger invocation, normalised.
// Metadata keys: SBEXT ServiceBusTriggerBindingStrategy.cs (REFERENCE §1).
type ServiceBusMessage struct {
	// Body is the message body bytes, whatever encoding the host used
	// (base64 for dataType binary, a JSON string double-encoded, a doubly
	// quoted string, or a raw JSON object/array); nil when empty.
	Body []byte

	MessageID        string
	CorrelationID    string
	ContentType      string
	Subject          string // Metadata "Subject", else the older "Label"
	SessionID        string
	ReplyTo          string
	To               string
	PartitionKey     string
	DeadLetterSource string
	LockToken        string

	DeliveryCount  int
	SequenceNumber int64

	// EnqueuedTime and ExpiresAt are in UTC, to the second (the host drops
	// fractions). They come from EnqueuedTimeUtc/ExpiresAtUtc, which carry no
	// zone and are UTC (Azure/azure-functions-host#6997), else from
	// EnqueuedTime/ExpiresAt (+00:00). Zero when absent.
	EnqueuedTime time.Time
	ExpiresAt    time.Time

	// ApplicationProperties are the message's application properties
	// (Metadata "ApplicationProperties", else "UserProperties"); JSON numbers
	// are float64. Nil when there are none.
	ApplicationProperties map[string]any

	// InvocationID is the X-Azure-Functions-InvocationId header.
	InvocationID string

	// Shadowed lists the Metadata keys whose value was refused because it
	// could be the host's copy of a same-named body property (see shadow.go);
	// the corresponding field is then zero unless an alias supplied it. Nil
	// when nothing was refused. The encoder ignores it.
	Shadowed []string
}

// DecodeServiceBus decodes a Service Bus trigger invocation with the default
// Config (1 MiB cap). binding is the trigger's "name" in function.json.
func DecodeServiceBus(r *http.Request, binding string) (ServiceBusMessage, error) {
	return defaultDecoder().DecodeServiceBus(r, binding)
}

// DecodeServiceBus decodes a Service Bus trigger invocation: the body from
// Data.<binding>, the broker properties from Metadata.
func (d *Decoder) DecodeServiceBus(r *http.Request, binding string) (ServiceBusMessage, error) {
	env, err := readEnvelope(r, d.cfg.MaxServiceBusBytes)
	if err != nil {
		return ServiceBusMessage{}, err
	}
	raw, err := env.binding(binding)
	if err != nil {
		return ServiceBusMessage{}, err
	}
	body, err := decodeRawValue(raw)
	if err != nil {
		return ServiceBusMessage{}, fmt.Errorf("%w: Data.%s: %v", ErrMalformedBinding, binding, err)
	}
	md := metadataReader{md: env.metadata, body: newBodyFields(body)}
	m := ServiceBusMessage{
		Body:                  body,
		MessageID:             md.str("MessageId"),
		CorrelationID:         md.str("CorrelationId"),
		ContentType:           md.str("ContentType"),
		Subject:               md.str("Subject", "Label"),
		SessionID:             md.str("SessionId"),
		ReplyTo:               md.str("ReplyTo"),
		To:                    md.str("To"),
		PartitionKey:          md.str("PartitionKey"),
		DeadLetterSource:      md.str("DeadLetterSource"),
		LockToken:             md.str("LockToken"),
		SequenceNumber:        md.int64("SequenceNumber"),
		EnqueuedTime:          md.time("EnqueuedTimeUtc", "EnqueuedTime"),
		ExpiresAt:             md.time("ExpiresAtUtc", "ExpiresAt"),
		ApplicationProperties: md.object("ApplicationProperties", "UserProperties"),
		InvocationID:          r.Header.Get(HeaderInvocationID),
	}
	dc := md.int64("DeliveryCount")
	if dc < 0 || dc > 1<<31-1 {
		md.fail("DeliveryCount", "is out of range")
		dc = 0
	}
	m.DeliveryCount = int(dc)
	m.Shadowed = md.shadowed
	if err := md.err(); err != nil {
		return ServiceBusMessage{}, err
	}
	return m, nil
}
