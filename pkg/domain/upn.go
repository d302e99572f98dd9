package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxUPNLocal is the longest local part (before '@') of a UPN that Entra
// accepts (64 characters).
const MaxUPNLocal = 64

// upnSafe reports whether r may appear in a UPN's local part
// (REFERENCE §2: A-Z a-z 0-9 ' . - _ ! # ^ ~).
func upnSafe(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("'.-_!#^~", r)
}

// fold maps common accented Latin letters to ASCII so that "José" becomes
// "Jose" rather than "Jos_". The table is a fixed value: no state.
func fold(r rune) string {
	const from = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžŁłŚśĆćŃńŹźŻżĄąĘęŐőŰű"
	const to = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyySsZzLlSsCcNnZzZzAaEeOoUu"
	switch r {
	case 'ß':
		return "ss"
	case 'Æ':
		return "AE"
	case 'æ':
		return "ae"
	case 'Œ':
		return "OE"
	case 'œ':
		return "oe"
	}
	i := 0
	for _, f := range from {
		if f == r {
			return to[i : i+1]
		}
		i++
	}
	return ""
}

// SafeUPNPart turns free text into characters allowed in a UPN: accents are
// folded, anything else outside the allowed set becomes '_', runs of '.' are
// collapsed and leading or trailing '.' removed. Deterministic.
func SafeUPNPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case upnSafe(r):
			b.WriteRune(r)
		case fold(r) != "":
			b.WriteString(fold(r))
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	return strings.Trim(out, ".")
}

// DeriveUPN renders the service account's UPN for a person of vendor v: the
// tenant's template with {vendor}, {local} (the external email's local part),
// {given} and {surname}, made safe, at the tenant domain. The same person
// always maps to the same UPN. A local part over 64 characters is cut and
// given a hash suffix of the full text, so that it stays unique.
func DeriveUPN(t Tenant, v Vendor, p Person) (string, error) {
	at := strings.LastIndexByte(p.Email, '@')
	if at <= 0 {
		return "", fmt.Errorf("email %q has no local part", p.Email)
	}
	local := t.UPNTemplate
	local = strings.ReplaceAll(local, "{vendor}", SafeUPNPart(v.Key))
	local = strings.ReplaceAll(local, "{local}", SafeUPNPart(p.Email[:at]))
	local = strings.ReplaceAll(local, "{given}", SafeUPNPart(p.GivenName))
	local = strings.ReplaceAll(local, "{surname}", SafeUPNPart(p.Surname))
	local = SafeUPNPart(local)
	if local == "" {
		return "", fmt.Errorf("the UPN template %q renders an empty name", t.UPNTemplate)
	}
	if len(local) > MaxUPNLocal {
		sum := sha256.Sum256([]byte(local))
		local = strings.TrimRight(local[:MaxUPNLocal-9], ".") + "_" + hex.EncodeToString(sum[:4])
	}
	return local + "@" + t.Domain, nil
}

// MaxUPNAlternatives is how many numbered names UPNCandidates adds after
// the template's: "Vendor1_A_SA2" to "Vendor1_A_SA9".
const MaxUPNAlternatives = 8

// UPNCandidates returns the names a person's service account may have when
// the request names none: DeriveUPN's, then the same with 2 to 9 appended
// to the local part. The first that is free or already this person's is
// used (the engine decides, reading the directory); the same directory
// always gives the same choice.
func UPNCandidates(t Tenant, v Vendor, p Person) ([]string, error) {
	base, err := DeriveUPN(t, v, p)
	if err != nil {
		return nil, err
	}
	local, _, _ := strings.Cut(base, "@")
	out := []string{base}
	seen := map[string]bool{strings.ToLower(local): true}
	for n := 2; n < 2+MaxUPNAlternatives; n++ {
		d := strconv.Itoa(n)
		// The number is appended; a name at the length limit gives up its
		// last character for it, or (when that makes a name already in the
		// list: the name itself ended in that digit) its last two for "_"
		// or "-" and the number. The first form that is new is taken.
		var forms []string
		if len(local)+len(d) <= MaxUPNLocal {
			forms = append(forms, local+d)
		} else {
			forms = append(forms, local[:MaxUPNLocal-len(d)]+d,
				local[:MaxUPNLocal-len(d)-1]+"_"+d, local[:MaxUPNLocal-len(d)-1]+"-"+d)
		}
		for _, c := range forms {
			if !seen[strings.ToLower(c)] {
				seen[strings.ToLower(c)] = true
				out = append(out, c+"@"+t.Domain)
				break
			}
		}
	}
	return out, nil
}

// MailNickname derives the mailNickname (required at creation) from a UPN.
func MailNickname(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	return strings.NewReplacer("'", "", "#", "", "^", "", "~", "", "!", "").Replace(local)
}

// ParseUPN checks that s is a UPN in domain (case-insensitive) with only
// allowed characters, and returns it trimmed.
func ParseUPN(s, domain string) (string, error) {
	s = strings.TrimSpace(s)
	local, dom, ok := strings.Cut(s, "@")
	switch {
	case !ok || local == "" || dom == "":
		return "", fmt.Errorf("%q is not of the form name@%s", s, domain)
	case !strings.EqualFold(dom, domain):
		return "", fmt.Errorf("%q is not in the tenant domain %s", s, domain)
	case len(local) > MaxUPNLocal:
		return "", fmt.Errorf("%q has more than %d characters before '@'", s, MaxUPNLocal)
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "", fmt.Errorf("%q has a misplaced '.'", s)
	}
	for _, r := range local {
		if !upnSafe(r) {
			return "", fmt.Errorf("%q contains %q, which a UPN may not", s, r)
		}
	}
	return s, nil
}

// ParseEmail checks an external email address: one plain address (no display
// name), at most 254 characters, valid UTF-8, with a dotted domain. It
// returns the address with its domain lower-cased.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || len(s) > 254 {
		return "", fmt.Errorf("not a valid address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", fmt.Errorf("%q is not a plain email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	local, dom := s[:at], strings.ToLower(s[at+1:])
	if !domainRE.MatchString(dom) {
		return "", fmt.Errorf("%q does not have a valid domain", s)
	}
	if strings.ContainsAny(local, "\"\\ ") {
		return "", fmt.Errorf("%q uses quoting, which is not accepted", s)
	}
	return local + "@" + dom, nil
}
