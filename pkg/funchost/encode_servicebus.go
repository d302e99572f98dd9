package funchost

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// EncodeServiceBus encodes m as the real host sends a dataType "binary"
// Service Bus trigger, with the default EncoderConfig and an empty
// sys.MethodName. Use Encoder.ServiceBus to name the function.
func EncodeServiceBus(binding string, m ServiceBusMessage) ([]byte, error) {
	return defaultEncoder().ServiceBus("", binding, m)
}

// ServiceBus encodes m as the real host sends a dataType "binary" Service Bus
// trigger for function (REFERENCE §1; SBEXT ServiceBusTriggerBindingStrategy;
// HOST GetHttpScriptInvocationContextValue, Utility.ApplyBindingData):
//
//   - Data.<binding> is the body in base64;
//   - DeliveryCount and SequenceNumber are decimal strings ("1");
//   - string properties are JSON-quoted once more ("\"4e77...\""); unset
//     (empty) ones are left out, as the host skips null binding data, except
//     LockToken, which the broker reports as "" rather than null;
//   - EnqueuedTimeUtc/ExpiresAtUtc are zoneless, EnqueuedTime/ExpiresAt end
//     in +00:00, all to the second (the host round-trips them through
//     DateTime.Parse(ToString())); zero times are left out;
//   - ApplicationProperties and its older alias UserProperties are objects;
//     MessageActions is {} and Client describes the namespace;
//   - when the body is a JSON object, its top-level properties are then
//     copied over the metadata, case-insensitively (see hostcopy.go), so
//     a body field "messageId" replaces MessageId as it does on the real host;
//   - sys {MethodName, UtcNow, RandGuid} comes last.
//
// Shadowed and InvocationID are not part of the envelope (the invocation id
// travels in a header: see NewRequest).
func (e *Encoder) ServiceBus(function, binding string, m ServiceBusMessage) ([]byte, error) {
	props := m.ApplicationProperties
	if props == nil {
		props = map[string]any{}
	}
	appProps, err := json.Marshal(props)
	if err != nil {
		return nil, fmt.Errorf("funchost: encoding ApplicationProperties: %w", err)
	}
	var md orderedObject
	md.set("DeliveryCount", marshalNoEscape(strconv.Itoa(m.DeliveryCount)))
	setString(&md, "DeadLetterSource", m.DeadLetterSource)
	md.set("LockToken", metaString(m.LockToken))
	setTimes(&md, "ExpiresAtUtc", "ExpiresAt", m.ExpiresAt)
	setTimes(&md, "EnqueuedTimeUtc", "EnqueuedTime", m.EnqueuedTime)
	setString(&md, "MessageId", m.MessageID)
	setString(&md, "ContentType", m.ContentType)
	setString(&md, "ReplyTo", m.ReplyTo)
	md.set("SequenceNumber", marshalNoEscape(strconv.FormatInt(m.SequenceNumber, 10)))
	setString(&md, "To", m.To)
	setString(&md, "Subject", m.Subject)
	setString(&md, "Label", m.Subject)
	setString(&md, "CorrelationId", m.CorrelationID)
	md.set("ApplicationProperties", appProps)
	md.set("UserProperties", appProps)
	setString(&md, "SessionId", m.SessionID)
	setString(&md, "PartitionKey", m.PartitionKey)
	md.set("MessageActions", json.RawMessage(`{}`))
	client, _ := json.Marshal(struct { // strings, a bool and an int always marshal
		FullyQualifiedNamespace string
		IsClosed                bool
		TransportType           int
		Identifier              string
	}{e.cfg.Namespace, false, 0, e.cfg.Namespace + "-" + e.cfg.NewID()})
	md.set("Client", client)
	for _, f := range newBodyFields(m.Body) {
		if v, ok := hostCopy(f.raw); ok {
			md.set(f.name, v)
		}
	}
	md.set("sys", e.sys(function))
	data := marshalNoEscape(base64.StdEncoding.EncodeToString(m.Body))
	return envelopeJSON(binding, data, md)
}

func setString(md *orderedObject, key, v string) {
	if v != "" {
		md.set(key, metaString(v))
	}
}

func setTimes(md *orderedObject, utcKey, offsetKey string, t time.Time) {
	if t.IsZero() {
		return
	}
	t = t.UTC().Truncate(time.Second)
	md.set(utcKey, marshalNoEscape(t.Format(netZonelessLayout)))
	md.set(offsetKey, marshalNoEscape(t.Format(netOffsetLayout)))
}
