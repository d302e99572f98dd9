package funchost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// HTTPOutput is the value of an http output binding ("res") in
// Response.Outputs. The host deserialises it into HttpOutputBindingResponse,
// whose StatusCode, Status, Body and Headers are all Required.Always (HOST
// HttpOutputBindingResponse.cs): a reply missing one fails the invocation, so
// MarshalJSON always writes all four.
type HTTPOutput struct {
	// StatusCode is the HTTP status; 0 means 200.
	StatusCode int
	// Headers are the response headers.
	Headers map[string]string
	// Body is the response body text.
	Body string
}

// MarshalJSON implements json.Marshaler:
// {"StatusCode":"200","Status":"200","Body":"...","Headers":{...}}.
func (o HTTPOutput) MarshalJSON() ([]byte, error) {
	code := o.StatusCode
	if code == 0 {
		code = http.StatusOK
	}
	headers := o.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	w := struct {
		StatusCode string
		Status     string
		Body       string
		Headers    map[string]string
	}{strconv.Itoa(code), strconv.Itoa(code), o.Body, headers}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// ParseHTTPOutput reads an http output value from a decoded Response (local
// host side). StatusCode (or Status) may be a number or a numeric string;
// Body may be a string or any JSON value (kept as compact JSON text); header
// values are stringified.
func ParseHTTPOutput(v any) (HTTPOutput, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return HTTPOutput{}, fmt.Errorf("%w: http output: %v", ErrMalformedResponse, err)
	}
	var w struct {
		StatusCode json.RawMessage
		Status     json.RawMessage
		Body       json.RawMessage
		Headers    map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return HTTPOutput{}, fmt.Errorf("%w: http output: %s", ErrMalformedResponse, jsonErrDetail(err))
	}
	var out HTTPOutput
	code := w.StatusCode
	if isNull(code) {
		code = w.Status
	}
	if out.StatusCode, err = statusCode(code); err != nil {
		return HTTPOutput{}, fmt.Errorf("%w: http output: %v", ErrMalformedResponse, err)
	}
	if !isNull(w.Body) {
		if s, err := scalarString(w.Body); err == nil && bytes.TrimSpace(w.Body)[0] == '"' {
			out.Body = s
		} else {
			var c bytes.Buffer
			_ = json.Compact(&c, w.Body) // w.Body came from json.Unmarshal, so it is valid
			out.Body = c.String()
		}
	}
	for k, raw := range w.Headers {
		if isNull(raw) {
			continue
		}
		s, err := scalarString(raw)
		if err != nil {
			return HTTPOutput{}, fmt.Errorf("%w: http output: header %s: %v", ErrMalformedResponse, k, err)
		}
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		out.Headers[k] = s
	}
	return out, nil
}

func statusCode(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return 0, errors.New("StatusCode is missing")
	}
	s, err := scalarString(raw)
	if err != nil {
		return 0, errors.New("StatusCode is not a scalar")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 999 {
		return 0, errors.New("StatusCode is not an HTTP status")
	}
	return n, nil
}
