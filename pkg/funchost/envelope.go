package funchost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// envelope is the host's invocation body (HOST HttpScriptInvocationContext):
// {"Data":{<binding>:value,...},"Metadata":{<key>:value,...}}. Values stay raw
// so that each trigger can normalise its own quirks.
type envelope struct {
	data     map[string]json.RawMessage
	metadata map[string]json.RawMessage
}

// readEnvelope reads (capped) and parses the envelope of r.
func readEnvelope(r *http.Request, limit int64) (envelope, error) {
	b, err := readBody(r, limit)
	if err != nil {
		return envelope{}, err
	}
	return parseEnvelope(b)
}

// parseEnvelope checks the envelope's shape: a JSON object whose Data is an
// object and whose Metadata, when present and not null, is an object.
func parseEnvelope(b []byte) (envelope, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return envelope{}, fmt.Errorf("%w: not a JSON object: %s", ErrMalformedEnvelope, jsonErrDetail(err))
	}
	if top == nil {
		return envelope{}, fmt.Errorf("%w: body is null", ErrMalformedEnvelope)
	}
	var env envelope
	rawData, _, ok := lookupKey(top, "Data")
	if !ok || isNull(rawData) {
		return envelope{}, fmt.Errorf("%w: Data is missing or null", ErrMalformedEnvelope)
	}
	if err := json.Unmarshal(rawData, &env.data); err != nil {
		return envelope{}, fmt.Errorf("%w: Data is not an object", ErrMalformedEnvelope)
	}
	if rawMeta, _, ok := lookupKey(top, "Metadata"); ok && !isNull(rawMeta) {
		if err := json.Unmarshal(rawMeta, &env.metadata); err != nil {
			return envelope{}, fmt.Errorf("%w: Metadata is not an object", ErrMalformedEnvelope)
		}
	}
	return env, nil
}

// binding returns Data.<name>. An exact key wins; otherwise a key equal under
// case folding is accepted, because the host matches binding names
// case-insensitively.
func (e envelope) binding(name string) (json.RawMessage, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: binding name is empty", ErrMissingBinding)
	}
	raw, _, ok := lookupKey(e.data, name)
	if !ok {
		keys := make([]string, 0, len(e.data))
		for k := range e.data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, fmt.Errorf("%w: Data.%s not present (Data has %q)", ErrMissingBinding, name, keys)
	}
	if isNull(raw) {
		return nil, fmt.Errorf("%w: Data.%s is null", ErrMalformedBinding, name)
	}
	return raw, nil
}

// lookupKey finds key in m: the exact key first, then the first key (in
// sorted order, for determinism) equal to it under case folding. It returns
// the key actually used.
func lookupKey(m map[string]json.RawMessage, key string) (json.RawMessage, string, bool) {
	if v, ok := m[key]; ok {
		return v, key, true
	}
	keys := foldedKeys(m, key)
	if len(keys) == 0 {
		return nil, "", false
	}
	return m[keys[0]], keys[0], true
}

// foldedKeys lists the keys of m that equal key under case folding but are
// not key itself, sorted.
func foldedKeys(m map[string]json.RawMessage, key string) []string {
	var keys []string
	for k := range m {
		if k != key && strings.EqualFold(k, key) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// isNull reports whether raw is absent or the JSON literal null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// jsonErrDetail describes a JSON syntax or type error without echoing input.
func jsonErrDetail(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("syntax error at offset %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("JSON %s where %s was expected", e.Value, e.Type)
	default:
		return "invalid JSON"
	}
}
