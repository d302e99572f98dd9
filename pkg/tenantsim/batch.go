package tenantsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxBatchRequests is Graph's JSON batching limit (REFERENCE.md §2 Faults).
const maxBatchRequests = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// captureWriter records an inner response.
type captureWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (w *captureWriter) Header() http.Header { return w.h }
func (w *captureWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.buf.Write(b)
}

// serveBatch answers POST /$batch: at most 20 requests; each runs through
// the same pipeline as a top-level request — routing, faults, write quota,
// stats — so a 200 batch can hold inner 429s (REFERENCE.md §2 Faults). A
// request whose dependsOn step did not succeed is not run and answers 424.
// Requests run one by one, dependencies first, otherwise in array order.
//
// As concepts/json-batching.md says: ids are unique case-insensitively, a
// request with a body must carry a Content-Type header, and responses may
// come back in any order, so a client must match them by id. The emulator
// returns them in an order shuffled from the fault seed and the batch's
// ids: deterministic, and never relied on by a correct client.
func (s *Server) serveBatch(c *call) reply {
	var body struct {
		Requests []batchRequest `json:"requests"`
	}
	if _, err := decodeObject(c.body); err != nil {
		return failed(err)
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		return failed(badRequest(MsgInvalidJSON))
	}
	// Wording of the following batch errors is not verified.
	if len(body.Requests) == 0 {
		return failed(badRequest("Invalid batch payload format: the batch contains no requests."))
	}
	if len(body.Requests) > maxBatchRequests {
		return failed(badRequest(fmt.Sprintf("Invalid batch payload format: a batch may contain at most %d requests.", maxBatchRequests)))
	}
	index := map[string]int{} // by lower-cased id
	for i, br := range body.Requests {
		if br.ID == "" || br.Method == "" || br.URL == "" {
			return failed(badRequest("Invalid batch payload format: every request needs an id, a method and a url."))
		}
		if _, dup := index[strings.ToLower(br.ID)]; dup {
			return failed(badRequest(fmt.Sprintf("Invalid batch payload format: the request id '%s' is not unique.", br.ID)))
		}
		index[strings.ToLower(br.ID)] = i
		if !isNull(br.Body) && !hasHeader(br.Headers, "Content-Type") && !c.s.cfg.Lenient {
			return failed(badRequest(fmt.Sprintf("Invalid batch payload format: request '%s' has a body but no Content-Type header.", br.ID)))
		}
	}
	for _, br := range body.Requests {
		for _, d := range br.DependsOn {
			if _, ok := index[strings.ToLower(d)]; !ok || strings.EqualFold(d, br.ID) {
				return failed(badRequest(fmt.Sprintf("Invalid batch payload format: request '%s' depends on unknown request '%s'.", br.ID, d)))
			}
		}
	}
	results := make([]jsonObject, len(body.Requests))
	statuses := make([]int, len(body.Requests))
	progress := make([]int, len(body.Requests)) // 0 new, 1 running, 2 done
	var run func(i int) *graphError
	run = func(i int) *graphError {
		switch progress[i] {
		case 1:
			return badRequest("Invalid batch payload format: the dependsOn graph has a cycle.")
		case 2:
			return nil
		}
		progress[i] = 1
		br := body.Requests[i]
		failedDep := false
		for _, d := range br.DependsOn {
			if err := run(index[strings.ToLower(d)]); err != nil {
				return err
			}
			if st := statuses[index[strings.ToLower(d)]]; st < 200 || st > 299 {
				failedDep = true
			}
		}
		if failedDep {
			e := newError(http.StatusFailedDependency, CodeFailedDependency, "The request was not executed because a request it depends on failed.")
			statuses[i], results[i] = errorItem(br.ID, e, c.now)
		} else {
			statuses[i], results[i] = s.runInner(c, br)
		}
		progress[i] = 2
		return nil
	}
	for i := range body.Requests {
		if err := run(i); err != nil {
			return failed(err)
		}
	}
	return ok(jsonObject{{"responses", s.shuffled(results, body.Requests)}})
}

// shuffled returns the responses in an order drawn from the fault seed and
// the batch's ids (the same batch under the same seed, the same order).
func (s *Server) shuffled(results []jsonObject, reqs []batchRequest) []jsonObject {
	h := fnv.New64a()
	for _, r := range reqs {
		h.Write([]byte(r.ID))
		h.Write([]byte{0})
	}
	rng := rand.New(rand.NewPCG(uint64(s.Faults().Seed), h.Sum64()))
	out := slices.Clone(results)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func hasHeader(h map[string]string, name string) bool {
	for k, v := range h {
		if strings.EqualFold(k, name) && strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// runInner runs one batch step through serveGraph and renders its response.
func (s *Server) runInner(c *call, br batchRequest) (int, jsonObject) {
	target := br.URL
	if u, err := url.Parse(target); err == nil && u.IsAbs() {
		target = strings.TrimPrefix(u.EscapedPath(), "/v1.0")
		if u.RawQuery != "" {
			target += "?" + u.RawQuery
		}
	}
	target = "/" + strings.TrimPrefix(target, "/")
	var body io.Reader
	if !isNull(br.Body) {
		body = bytes.NewReader(br.Body)
	}
	if strings.HasSuffix(strings.ToLower(strings.SplitN(target, "?", 2)[0]), "/$batch") {
		return errorItem(br.ID, badRequest("Invalid batch payload format: nested batch requests are not supported."), c.now)
	}
	req, err := http.NewRequestWithContext(c.r.Context(), strings.ToUpper(br.Method), c.base+target, body)
	if err != nil {
		return errorItem(br.ID, badRequest(fmt.Sprintf("Invalid batch payload format: the url of request '%s' is not valid.", br.ID)), c.now)
	}
	req.Host = c.r.Host
	for k, v := range br.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Del("Content-Encoding")
	if a := c.r.Header.Get("Authorization"); a != "" {
		req.Header.Set("Authorization", a)
	}
	if id := c.r.Header.Get("client-request-id"); id != "" && req.Header.Get("client-request-id") == "" {
		req.Header.Set("client-request-id", id)
	}
	w := &captureWriter{h: http.Header{}}
	s.serveGraph(w, req, true)
	if w.status == 0 {
		w.status = http.StatusGatewayTimeout
	}
	headers := map[string]string{}
	keys := make([]string, 0, len(w.h))
	for k := range w.h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "Content-Length" {
			headers[k] = w.h.Get(k)
		}
	}
	var b any
	if w.buf.Len() > 0 {
		if strings.HasPrefix(strings.ToLower(w.h.Get("Content-Type")), "application/json") {
			b = json.RawMessage(w.buf.Bytes())
		} else {
			// Graph returns non-JSON inner bodies base64-encoded.
			b = base64.StdEncoding.EncodeToString(w.buf.Bytes())
		}
	}
	return w.status, batchItem(br.ID, w.status, headers, b)
}

func batchItem(id string, status int, headers map[string]string, body any) jsonObject {
	o := jsonObject{{"id", id}, {"status", status}, {"headers", headers}}
	if body != nil {
		o = append(o, jsonField{"body", body})
	}
	return o
}

// errorItem answers a batch step with a Graph error without running it.
func errorItem(id string, e *graphError, now time.Time) (int, jsonObject) {
	ri := requestInfo{now: now, requestID: randomID()}
	ri.clientRequestID = ri.requestID
	return e.status, batchItem(id, e.status, map[string]string{"Content-Type": "application/json"}, e.body(ri))
}
