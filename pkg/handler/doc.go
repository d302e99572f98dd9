// Package handler is vendorflow's Azure Functions custom handler: the HTTP
// server that `vendorflow serve` runs behind the Functions host (and that
// `vendorflow dev` runs behind its local host). The host POSTs each
// invocation to /<function name> (REFERENCE.md §1, pkg/funcapp); the
// handler decodes the envelope with pkg/funchost, runs the work and always
// replies with funchost.WriteResponse.
//
// A custom handler cannot settle the Service Bus message it was handed: a 2xx
// reply completes it, anything else abandons it for immediate redelivery
// (REFERENCE.md §1 "What the handler returns"; functions/README.md). So the
// failure policy is built on the Bus port: a request that time may cure is
// rescheduled as a new message with backoff, a request that needs a human is
// parked with its reason, and only failures the handler cannot classify
// (journal down, run deadline) reply 500 so that the broker's delivery count
// and dead-letter queue take over.
package handler
