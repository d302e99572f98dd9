package funchost

import (
	"net/http"
	"time"
)

// Timeouts bound how long one connection may take to send its request,
// so that a client trickling a body in cannot hold a connection (and a
// goroutine) forever. Responses are not bounded: a Service Bus run may
// take minutes (handler.DefaultRunTimeout), and is bounded there.
type Timeouts struct {
	// ReadHeader is the time to read the request line and headers.
	ReadHeader time.Duration
	// Read is the time to read the whole request, body included.
	Read time.Duration
	// Idle is how long a kept-alive connection waits for its next request.
	Idle time.Duration
}

// DefaultTimeouts are the timeouts of every server vendorflow runs: the
// handler, the local host's front door and the emulator. 30 s is ample
// for an envelope at its cap (DefaultMaxServiceBusBytes) over loopback, or over any
// link a front door is reached by.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Idle: 2 * time.Minute}
}

// NewServer is an http.Server for h with the timeouts t.
func NewServer(h http.Handler, t Timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, IdleTimeout: t.Idle}
}
