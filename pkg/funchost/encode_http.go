package funchost

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// EncodeHTTP encodes h as the real host sends a non-forwarded HTTP trigger,
// with the default EncoderConfig and an empty sys.MethodName.
func EncodeHTTP(binding string, h HTTPRequest) ([]byte, error) {
	return defaultEncoder().HTTP("", binding, h)
}

// HTTP encodes h as the real host sends a non-forwarded HTTP trigger for
// function (HOST GetRequestAsJObject): Data.<binding> = {Url, Method, Query,
// Headers {name:[values]}, Params, Identities, Body}; Body is left out when
// empty, and sent in base64 for application/octet-stream and multipart/*
// content types. Identities is [] — our local host authenticates no one and
// does not invent a key-level identity. Metadata carries Query, Headers
// (values joined with ","), Params and sys.
func (e *Encoder) HTTP(function, binding string, h HTTPRequest) ([]byte, error) {
	query := nonNilStrings(h.Query)
	params := nonNilStrings(h.Params)
	headers := map[string][]string{}
	flat := map[string]string{}
	for k, v := range h.Headers {
		headers[k] = append([]string{}, v...)
		flat[k] = strings.Join(v, ",")
	}
	req := struct {
		URL        string `json:"Url"`
		Method     string
		Query      map[string]string
		Headers    map[string][]string
		Params     map[string]string
		Identities []any
		Body       *string `json:",omitempty"`
	}{URL: h.URL, Method: h.Method, Query: query, Headers: headers, Params: params, Identities: []any{}}
	if len(h.Body) > 0 {
		s := string(h.Body)
		if isBinaryMediaType(h.Header("Content-Type")) {
			s = base64.StdEncoding.EncodeToString(h.Body)
		}
		req.Body = &s
	}
	data, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("funchost: encoding http request: %w", err)
	}
	var md orderedObject
	for _, kv := range []struct {
		key string
		v   any
	}{{"Query", query}, {"Headers", flat}, {"Params", params}} {
		b, err := json.Marshal(kv.v)
		if err != nil {
			return nil, fmt.Errorf("funchost: encoding http metadata: %w", err)
		}
		md.set(kv.key, b)
	}
	md.set("sys", e.sys(function))
	return envelopeJSON(binding, data, md)
}

func nonNilStrings(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
