package funchost

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file imitates how the host turns the top-level properties of a JSON
// message body into binding data (HOST Utility.ApplyBindingData with
// ConvertPropertyValue): arrays and nulls are skipped, objects are kept as
// objects, and every scalar becomes a .NET string through Json.NET's
// JToken-to-string conversion — which is then serialised once more on the way
// into Metadata, like every string. Both the encoder (what our local host
// sends) and the shadowing check (what the decoder refuses) use it.

// bodyField is one top-level property of a JSON-object message body.
type bodyField struct {
	name string
	raw  json.RawMessage
}

// bodyFields are the top-level properties of a message body, in order; nil
// when the body is not a JSON object.
type bodyFields []bodyField

// newBodyFields lists the top-level properties of body when it is a JSON
// object (the host's Utility.IsJson test: trimmed text starts with '{' and
// ends with '}'). Any parse failure yields nil, as the host's try/catch
// copies nothing then.
func newBodyFields(body []byte) bodyFields {
	t := bytes.TrimSpace(body)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var out bodyFields
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		name, ok := tok.(string)
		if !ok {
			return nil
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil
		}
		out = append(out, bodyField{name: name, raw: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil
	}
	return out
}

// hostCopy returns the Metadata value (as JSON) that the host writes for a
// body property, and false for properties it does not copy (arrays, nulls).
func hostCopy(raw json.RawMessage) (json.RawMessage, bool) {
	t := bytes.TrimSpace(raw)
	if isNull(t) || t[0] == '[' {
		return nil, false
	}
	if t[0] == '{' {
		return t, true
	}
	s, ok := hostScalarString(t)
	if !ok {
		return nil, false
	}
	return metaString(s), true
}

// hostScalarString is Json.NET's (string) conversion of a scalar JToken:
// strings as they are, except ISO 8601 date-times, which JObject.Parse has
// already turned into DateTime and which then print in the invariant culture
// ("10/12/2023 20:13:49", offset converted to the host's zone, UTC in Azure);
// integers in decimal; other numbers in shortest round-trip form with an
// upper-case exponent; booleans as True/False.
func hostScalarString(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "", false
	}
	switch t[0] {
	case '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", false
		}
		if d, ok := jsonNetDate(s); ok {
			return d.Format("01/02/2006 15:04:05"), true
		}
		return s, true
	case 't':
		return "True", string(t) == "true"
	case 'f':
		return "False", string(t) == "false"
	case '{', '[', 'n':
		return "", false
	default:
		return numberString(string(t))
	}
}

// isoDateTime is the shape Json.NET's date parsing accepts by default.
var isoDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$`)

// jsonNetDate reports whether Json.NET would read s as a DateTime, and which
// (UTC; zoneless values are kept as they are).
func jsonNetDate(s string) (time.Time, bool) {
	if !isoDateTime.MatchString(s) {
		return time.Time{}, false
	}
	t, err := parseHostTime(s)
	if err != nil || t.IsZero() {
		return time.Time{}, false
	}
	return t, true
}

// numberString formats a JSON number the way .NET prints it.
func numberString(lit string) (string, bool) {
	if !json.Valid([]byte(lit)) {
		return "", false
	}
	if !strings.ContainsAny(lit, ".eE") {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(n, 10), true
		}
		return lit, true // beyond int64: BigInteger prints all digits
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit, true
	}
	return strings.ToUpper(strconv.FormatFloat(f, 'g', -1, 64)), true
}

// metaString is the Metadata form of a .NET string: serialised once
// (JsonConvert.SerializeObject) and then embedded as a JSON string, e.g.
// "\"4e77...\"".
func metaString(s string) json.RawMessage {
	return marshalNoEscape(string(marshalNoEscape(s)))
}

// marshalNoEscape is json.Marshal without HTML escaping (Json.NET does not
// escape <, > and &). It is only used on strings, which always marshal.
func marshalNoEscape(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimRight(buf.Bytes(), "\n")
}
