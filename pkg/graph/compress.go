package graph

import (
	"net/http"

	khttp "github.com/microsoft/kiota-http-go"
)

// MinCompressBytes is the smallest request body the client gzips. kiota's
// CompressionHandler compresses every body with a fresh compressor; for
// vendorflow's bodies (a user of about 600 bytes, a mail of 1 to 2 KiB) that
// cost the handler about a tenth of its CPU (the profile in BENCHMARKS.md)
// to save a few hundred bytes on the wire. Graph takes either.
const MinCompressBytes = 4 << 10

// compressLarge passes a request body shorter than min (by its declared
// ContentLength) straight on, and gives longer ones, or ones of unknown
// length, to kiota's CompressionHandler.
type compressLarge struct {
	inner *khttp.CompressionHandler
	min   int64
}

// Intercept implements khttp.Middleware.
func (m compressLarge) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	if req.Body == nil || (req.ContentLength >= 0 && req.ContentLength < m.min) {
		return p.Next(req, index)
	}
	return m.inner.Intercept(p, index, req)
}
