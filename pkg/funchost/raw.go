package funchost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// errNullValue marks a trigger value that is JSON null.
var errNullValue = errors.New("value is null")

// decodeRawValue returns the bytes of a trigger value, whatever encoding the
// host used (REFERENCE §1 "Encoding quirks"; HOST
// ScriptInvocationContextExtensions.GetHttpScriptInvocationContextValue):
//
//   - a JSON string whose content is itself a JSON string literal: the host
//     serialised a string value once more (dataType string, #6574), so
//     "\"{\\\"a\\\":1}\"" gives {"a":1} and "\"hello\"" gives hello;
//   - a JSON string holding JSON object or array text: a string body that
//     was serialised only once, kept as that text;
//   - a JSON string that is valid padded standard base64: a byte[] body
//     (dataType binary) — decoded;
//   - any other JSON string: its text;
//   - raw JSON (object, array, number, boolean): the JSON text as sent.
//
// The checks run in that order because they cannot collide: base64 never
// contains '"', '{' or '['. What cannot be told apart is a plain-text body
// that happens to be valid base64 under dataType string; the function.json
// files therefore set dataType binary, where base64 is the only form.
// An empty body is returned as nil. JSON null is errNullValue.
func decodeRawValue(raw json.RawMessage) ([]byte, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil, errNullValue
	}
	if t[0] != '"' {
		if !json.Valid(t) {
			return nil, errors.New("not valid JSON")
		}
		return bytes.Clone(t), nil
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return nil, errors.New("not a valid JSON string")
	}
	if inner, ok := unquoteJSONString(s); ok {
		return nonEmpty([]byte(inner)), nil
	}
	if isJSONContainer(s) {
		return []byte(s), nil
	}
	if b, err := base64.StdEncoding.Strict().DecodeString(s); err == nil {
		return nonEmpty(b), nil
	}
	return nonEmpty([]byte(s)), nil
}

// unquoteJSONString returns the content of s when s is exactly one JSON
// string literal ("\"x\"" → x).
func unquoteJSONString(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	var inner string
	if err := json.Unmarshal([]byte(s), &inner); err != nil {
		return "", false
	}
	return inner, true
}

// isJSONContainer reports whether s is JSON object or array text.
func isJSONContainer(s string) bool {
	t := bytes.TrimSpace([]byte(s))
	return len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

// unwrapObject returns raw when it is a JSON object, or the object text held
// in a JSON string (one or two layers deep) — hosts have serialised whole
// trigger values as strings. Anything else reports false.
func unwrapObject(raw json.RawMessage) (json.RawMessage, bool) {
	t := bytes.TrimSpace(raw)
	for range 3 {
		if len(t) == 0 {
			return nil, false
		}
		switch t[0] {
		case '{':
			return t, json.Valid(t)
		case '"':
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return nil, false
			}
			t = bytes.TrimSpace([]byte(s))
		default:
			return nil, false
		}
	}
	return nil, false
}

// nonEmpty maps an empty slice to nil so that "no body" has one form.
func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
