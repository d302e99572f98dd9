package funchost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// HTTPRequest is an HTTP trigger invocation in the non-forwarded form
// (enableForwardingHttpRequest false): Data.<binding> =
// {Url, Method, Query, Headers, Params, Identities, Body} (HOST
// HttpRequestExtensions.GetRequestAsJObject). Maps are nil when empty.
type HTTPRequest struct {
	URL    string
	Method string
	// Query holds one value per name; the host joins repeated values with ",".
	Query map[string]string
	// Headers keeps the host's header names as sent.
	Headers map[string][]string
	// Params are the route parameters (function.json "route").
	Params map[string]string
	// Body is the request body: the host sends a string, or base64 for
	// application/octet-stream and multipart/* (decoded here). Nil when empty.
	Body []byte
	// InvocationID is the X-Azure-Functions-InvocationId header.
	InvocationID string
}

// Header returns the first value of header name, matched case-insensitively.
func (h HTTPRequest) Header(name string) string {
	for k, v := range h.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// httpPayload is the private shape of Data.req; fields stay raw because hosts
// have sent Query both as an object and as a string.
type httpPayload struct {
	URL     string `json:"Url"`
	Method  string
	Query   json.RawMessage
	Headers json.RawMessage
	Params  json.RawMessage
	Body    json.RawMessage
}

// DecodeHTTP decodes an HTTP trigger invocation with the default Config.
func DecodeHTTP(r *http.Request, binding string) (HTTPRequest, error) {
	return defaultDecoder().DecodeHTTP(r, binding)
}

// DecodeHTTP decodes an HTTP trigger invocation from Data.<binding>.
func (d *Decoder) DecodeHTTP(r *http.Request, binding string) (HTTPRequest, error) {
	env, err := readEnvelope(r, d.cfg.MaxHTTPBytes)
	if err != nil {
		return HTTPRequest{}, err
	}
	raw, err := env.binding(binding)
	if err != nil {
		return HTTPRequest{}, err
	}
	obj, ok := unwrapObject(raw)
	if !ok {
		return HTTPRequest{}, fmt.Errorf("%w: Data.%s is not a request object", ErrMalformedBinding, binding)
	}
	var p httpPayload
	if err := json.Unmarshal(obj, &p); err != nil {
		return HTTPRequest{}, fmt.Errorf("%w: Data.%s: %s", ErrMalformedBinding, binding, jsonErrDetail(err))
	}
	h := HTTPRequest{URL: p.URL, Method: p.Method, InvocationID: r.Header.Get(HeaderInvocationID)}
	fail := func(field string, err error) (HTTPRequest, error) {
		return HTTPRequest{}, fmt.Errorf("%w: Data.%s.%s: %v", ErrMalformedBinding, binding, field, err)
	}
	if h.Query, err = stringMap(p.Query, true); err != nil {
		return fail("Query", err)
	}
	if h.Params, err = stringMap(p.Params, false); err != nil {
		return fail("Params", err)
	}
	if h.Headers, err = headerMap(p.Headers); err != nil {
		return fail("Headers", err)
	}
	if h.Body, err = httpBody(p.Body, h.Header("Content-Type")); err != nil {
		return fail("Body", err)
	}
	return h, nil
}

// stringMap reads an object of scalars (arrays are joined with ","). With
// queryString, a string holding object text or a query string
// ("?a=1&b=2") is accepted too, as older hosts sent Query as a string.
func stringMap(raw json.RawMessage, queryString bool) (map[string]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	obj, ok := unwrapObject(raw)
	if !ok {
		var s string
		if !queryString || json.Unmarshal(raw, &s) != nil {
			return nil, errors.New("not an object")
		}
		vals, err := url.ParseQuery(strings.TrimPrefix(s, "?"))
		if err != nil {
			return nil, errors.New("not an object or query string")
		}
		out := make(map[string]string, len(vals))
		for k, v := range vals {
			out[k] = strings.Join(v, ",")
		}
		return emptyNil(out), nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, errors.New("not an object")
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		vs, err := scalarStrings(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if vs != nil {
			out[k] = strings.Join(vs, ",")
		}
	}
	return emptyNil(out), nil
}

// headerMap reads {name:[values]} or {name:value}.
func headerMap(raw json.RawMessage) (map[string][]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	obj, ok := unwrapObject(raw)
	if !ok {
		return nil, errors.New("not an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, errors.New("not an object")
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		vs, err := scalarStrings(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if vs != nil {
			out[k] = vs
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scalarStrings reads a scalar or an array of scalars as strings; null is nil.
func scalarStrings(raw json.RawMessage) ([]string, error) {
	t := bytes.TrimSpace(raw)
	if isNull(t) {
		return nil, nil
	}
	if t[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(t, &items); err != nil {
			return nil, errors.New("not an array")
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, err := scalarString(it)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := scalarString(t)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// scalarString reads a JSON string, number or boolean as text.
func scalarString(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	switch {
	case len(t) == 0:
		return "", errors.New("empty value")
	case t[0] == '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", errors.New("invalid string")
		}
		return s, nil
	case t[0] == '{' || t[0] == '[':
		return "", errors.New("nested value where a scalar was expected")
	default:
		return string(t), nil
	}
}

// httpBody decodes Body: a string (base64 for octet-stream and multipart
// content types, as the host sends byte[] for those), or raw JSON kept as is.
func httpBody(raw json.RawMessage, contentType string) ([]byte, error) {
	t := bytes.TrimSpace(raw)
	if isNull(t) {
		return nil, nil
	}
	if t[0] != '"' {
		if !json.Valid(t) {
			return nil, errors.New("invalid JSON")
		}
		return bytes.Clone(t), nil
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return nil, errors.New("invalid string")
	}
	if isBinaryMediaType(contentType) {
		if b, err := base64.StdEncoding.Strict().DecodeString(s); err == nil {
			return nonEmpty(b), nil
		}
	}
	return nonEmpty([]byte(s)), nil
}

// isBinaryMediaType mirrors HOST IsMediaTypeOctetOrMultipart.
func isBinaryMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/octet-stream" || strings.Contains(mt, "multipart/")
}

func emptyNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
