package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// A client that sends its headers and then trickles the body (here: never
// finishes it) is cut off at the read timeout, instead of holding the
// connection for ever. serve set only ReadHeaderTimeout before.
func TestServeCutsOffATricklingBody(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	read := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		read <- err
	})
	to := funchost.DefaultTimeouts()
	to.Read = 200 * time.Millisecond
	go func() { _ = serveUntilDone(ctx, slog.New(slog.DiscardHandler), ln, h, to) }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /onboard HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Data\":"); err != nil {
		t.Fatal(err)
	}
	// the guard of this test, far beyond the 200 ms read timeout
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = http.ReadResponse(bufio.NewReader(c), nil)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still open after 10 s: the body's read is not bounded")
	}
	select {
	case err := <-read:
		if err == nil {
			t.Fatal("the handler read a whole body that was never sent")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's read did not end")
	}
}

// Every server vendorflow runs bounds the whole request read.
func TestDefaultTimeoutsBoundTheRequest(t *testing.T) {
	to := funchost.DefaultTimeouts()
	if to.ReadHeader <= 0 || to.Read <= 0 || to.Idle <= 0 {
		t.Fatalf("timeouts %+v: each must be set", to)
	}
}
