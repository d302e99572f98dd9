package graph

import (
	"mime"
	"net/http"
	"strings"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// The two small middlewares of the chain besides the retry (client.go New
// lists the whole chain).

// countingMiddleware sits last in the chain, next to the transport, so that
// it sees every attempt exactly as sent (after compression).
type countingMiddleware struct{ stats *statsRecorder }

// Intercept implements khttp.Middleware.
func (m countingMiddleware) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	start := time.Now() // latency is wall time, whatever Clock the waits use
	resp, err := p.Next(req, index)
	status := 0
	if err == nil && resp != nil {
		status = resp.StatusCode
	}
	m.stats.attempt(req.Method, req.URL.Path, status, time.Since(start))
	return resp, err
}

// errorBodyMiddleware empties error responses whose body is not JSON. kiota
// parses every 4xx/5xx body with the parser of its Content-Type and fails
// with a serialization error on text or HTML (a proxy's 502 page), which
// would hide the status; without a body it returns an ApiError carrying
// status and headers, which classify reads.
type errorBodyMiddleware struct{}

// Intercept implements khttp.Middleware.
func (errorBodyMiddleware) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, index)
	if err != nil || resp == nil || resp.StatusCode < 400 {
		return resp, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return resp, nil
	}
	drain(resp)
	resp.Body = http.NoBody
	resp.ContentLength = 0
	resp.Header.Del("Content-Type")
	resp.Header.Del("Content-Length")
	return resp, nil
}
