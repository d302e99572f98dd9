// Package funchost speaks the Azure Functions custom-handler wire contract in
// both directions.
//
// Handler side (what `vendorflow serve` runs behind the real Functions host):
// DecodeServiceBus, DecodeTimer and DecodeHTTP turn the JSON envelope that the
// host POSTs to /<FunctionName> into plain Go values, and WriteResponse writes
// the {"Outputs","Logs","ReturnValue"} reply. Decoding is defensive: the request
// body is capped (Config), r.Context() is honoured while reading, every host
// quirk listed in REFERENCE.md §1 is normalised in one small private type
// (raw.go, hosttime.go, metadata.go), and a malformed envelope is an error that
// wraps a sentinel (errors.go) together with its detail, never a panic.
//
// Local-host side (what `vendorflow dev` uses to imitate the Functions host):
// Encoder.ServiceBus, Encoder.Timer and Encoder.HTTP (and the package-level
// Encode* shorthands) produce exactly the envelope the real host sends, quirks
// included, NewRequest adds the host's headers, and DecodeResponse reads the
// handler's reply back.
//
// Sources: REFERENCE.md §1; Azure/azure-functions-host
// src/WebJobs.Script/Workers/Http (DefaultHttpWorkerService.cs,
// ScriptInvocationContextExtensions.cs, HttpScriptInvocationResultExtensions.cs,
// HttpOutputBindingResponse.cs) and Utility.ApplyBindingData; SBEXT
// ServiceBusTriggerBindingStrategy.cs; learn.microsoft.com
// azure-functions/functions-custom-handlers.
package funchost
