// Package devhost is vendorflow's local Functions-compatible host, the engine
// of `vendorflow dev` (DESIGN.md "Architecture"): it runs the custom handler
// as a child process ([Supervisor]), feeds its Service Bus functions from the
// embedded durable queue (pkg/queue) with the real host's peek-lock
// behaviour, fires its timer function on an NCRONTAB schedule, serves its
// HTTP functions on a local front door ([Host]), and gives the handler a
// [handler.Bus] and [handler.DeadLetterStore] over the same queue file
// ([QueueBus]).
//
// Every invocation uses exactly the envelope the real host sends (pkg/funchost
// encoder, REFERENCE.md §1): a Service Bus body as dataType "binary" (base64),
// metadata quirks included. A 2xx reply completes the message; anything else
// (non-2xx, transport error, timeout) abandons it, so it is redelivered with
// DeliveryCount+1 and dead-lettered past the queue's MaxDeliveryCount, as the
// Functions Service Bus trigger does with autoCompleteMessages=true
// (learn.microsoft.com azure-functions/functions-bindings-service-bus-trigger
// "PeekLock behavior").
package devhost
