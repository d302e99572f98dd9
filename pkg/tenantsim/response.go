package tenantsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// contentTypeJSON is what Graph sends with JSON payloads; the SDK keys on the
// part before ';'.
const contentTypeJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// jsonObject is a JSON object that keeps its field order, so responses read
// like Graph's (@odata.context first, value last).
type jsonObject []jsonField

type jsonField struct {
	k string
	v any
}

// MarshalJSON writes the fields in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// reply is what a route handler answers. Exactly one of err and body/raw
// applies; a nil body with a nil raw means no body (204, 202).
type reply struct {
	status int
	body   any
	raw    []byte // pre-rendered body with contentType
	ctype  string
	header http.Header
	err    *graphError
}

func ok(body any) reply          { return reply{status: http.StatusOK, body: body} }
func created(body any) reply     { return reply{status: http.StatusCreated, body: body} }
func noContent() reply           { return reply{status: http.StatusNoContent} }
func failed(e *graphError) reply { return reply{status: e.status, err: e} }

// requestInfo identifies one request for innerError and headers.
type requestInfo struct {
	now             time.Time
	requestID       string
	clientRequestID string
}

// render turns a reply into status, headers and body bytes.
func (rp reply) render(ri requestInfo) (int, http.Header, []byte) {
	h := http.Header{}
	for k, vs := range rp.header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("request-id", ri.requestID)
	h.Set("client-request-id", ri.clientRequestID)
	if rp.err != nil {
		for k, vs := range rp.err.header {
			h[k] = append([]string(nil), vs...)
		}
		b, _ := json.Marshal(rp.err.body(ri))
		h.Set("Content-Type", "application/json")
		return rp.err.status, h, b
	}
	switch {
	case rp.raw != nil:
		h.Set("Content-Type", rp.ctype)
		return rp.status, h, rp.raw
	case rp.body != nil:
		b, err := json.Marshal(rp.body)
		if err != nil {
			e := newError(http.StatusInternalServerError, "generalException", "The emulator could not render its response.")
			b, _ = json.Marshal(e.body(ri))
			h.Set("Content-Type", "application/json")
			return e.status, h, b
		}
		h.Set("Content-Type", contentTypeJSON)
		return rp.status, h, b
	}
	return rp.status, h, nil
}

// writeTo writes the reply to w.
func (rp reply) writeTo(w http.ResponseWriter, ri requestInfo) int {
	status, h, b := rp.render(ri)
	writeRendered(w, status, h, b)
	return status
}

// writeRendered writes a rendered reply to w.
func writeRendered(w http.ResponseWriter, status int, h http.Header, b []byte) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	if b != nil {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.WriteHeader(status)
	if b != nil {
		_, _ = w.Write(b)
	}
}

// wireTime renders a timestamp like Graph (UTC, seconds); zero is null.
func wireTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// wireString renders an empty string as null, as Graph does for unset properties.
func wireString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// wireStrings renders a nil collection as [].
func wireStrings(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
