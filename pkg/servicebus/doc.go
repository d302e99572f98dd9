// Package servicebus implements handler.Bus and handler.DeadLetterStore on
// Azure Service Bus with the azservicebus SDK, the production counterpart of
// devhost.QueueBus (the embedded queue of `vendorflow dev`). It keeps that
// adapter's semantics:
//
//   - the message kind ("onboard"/"offboard") selects the queue;
//   - every request message carries ContentType application/json, the
//     requestId as CorrelationID, and the application properties
//     handler.PropAttempt and handler.PropKind (vendorflowAttempt,
//     vendorflowKind: one definition for both adapters);
//   - Park sends the message to the parking queue with vendorflowCode and
//     vendorflowReason; nothing consumes that queue, so parked messages stay
//     there for ops;
//   - Replay sends a copy of each matching message to its kind's queue with
//     MessageID handler.ReplayMessageID, "<id>-replay-<sequence number>" (so
//     that duplicate detection does not drop it as a resend of the original,
//     and the replayed run's retries, handler.RetryMessageID, get ids never
//     used before, yet a repeated replay of the same set-aside message
//     collapses), then completes the original; a parked message's attempt
//     count is reset to 0, a broker dead letter keeps its properties;
//     devhost.QueueBus.Replay names and fills the copy the same way;
//   - Purge completes the matches;
//   - Replay and Purge work in batches of BatchSize received messages and
//     keep every lock they hold alive with RenewMessageLock (the SDK never
//     renews locks by itself), and settle nothing whose lock has expired.
//
// The connection is identity-based: azservicebus.NewClient with the fully
// qualified namespace and an azcore.TokenCredential, the same shape as the
// Functions host's ServiceBusConnection__fullyQualifiedNamespace (REFERENCE
// §1 "Identity-based Service Bus connection"). The identity needs the
// "Azure Service Bus Data Sender" and "Azure Service Bus Data Receiver" roles
// on the namespace (learn.microsoft.com/azure/service-bus-messaging/
// service-bus-managed-service-identity).
//
// What is and is not verified: the SDK sits behind two small interfaces
// owned by this package (sender, receiver), and every rule above is tested
// against in-memory fakes of them. No Service Bus namespace is reachable
// where this was written, so the path through the real SDK — link attach,
// token acquisition, the AMQP management operations behind PeekMessages and
// ScheduleMessages, RBAC, and the broker's own settlement semantics — is
// compiled but has never run. The broker facts relied upon are those of
// learn.microsoft.com: dead-letter queues
// (service-bus-messaging/service-bus-dead-letter-queues), message browsing
// (message-browsing), peek-lock settlement
// (message-transfers-locks-settlement), scheduled messages
// (message-sequencing) and duplicate detection (duplicate-detection).
package servicebus
