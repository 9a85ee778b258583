package oauth1

import (
	"fmt"
	"net/url"
	"strings"
)

// maxHeader is the longest Authorization header read. A real one is a few
// hundred bytes; a longer one is refused before any work is done on it.
const maxHeader = 8 << 10

// isOAuth tells whether an Authorization header uses the OAuth scheme, whose
// name is case insensitive (RFC 5849 section 3.5.1).
func isOAuth(h string) bool {
	h = strings.TrimLeft(h, " \t")
	if len(h) < 5 || !strings.EqualFold(h[:5], "OAuth") {
		return false
	}
	return len(h) == 5 || isSpace(h[5])
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isTokenChar is RFC 7230's tchar, what a parameter name is made of.
func isTokenChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// parseHeader reads an "OAuth" Authorization header (section 3.5.1):
// name="value" pairs separated by commas and optional white space, each
// name and value percent-encoded, the value in double quotes. realm is kept
// as written (it is RFC 2617's, not percent-encoded, and never signed).
// A name given twice, an unquoted value, a bad %XX or a header over 8 KB is
// an error, worded for the author of the client that sent it.
func parseHeader(h string) ([]param, error) {
	if len(h) > maxHeader {
		return nil, fmt.Errorf("the Authorization header is %d bytes, more than the %d allowed", len(h), maxHeader)
	}
	if !isOAuth(h) {
		return nil, fmt.Errorf("the Authorization header does not start with \"OAuth \"")
	}
	s := strings.TrimLeft(h, " \t")[5:]
	var ps []param
	seen := map[string]bool{}
	for {
		// Separators: white space and commas; RFC 2617's lists allow
		// empty elements, so ", ," is no error.
		sep := false
		for s != "" && (isSpace(s[0]) || s[0] == ',') {
			sep = sep || s[0] == ','
			s = s[1:]
		}
		if s == "" {
			return ps, nil
		}
		if len(ps) > 0 && !sep {
			return nil, fmt.Errorf("the Authorization header needs a comma between parameters, before %q", clip(s))
		}
		i := 0
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == 0 {
			return nil, fmt.Errorf("the Authorization header has %q where a parameter name should be", clip(s))
		}
		rawName := s[:i] // token characters only: safe in a message as it is
		s = strings.TrimLeft(s[i:], " \t")
		if s == "" || s[0] != '=' {
			return nil, fmt.Errorf("the Authorization header's parameter %q has no =\"value\"", rawName)
		}
		s = strings.TrimLeft(s[1:], " \t")
		if s == "" || s[0] != '"' {
			return nil, fmt.Errorf("the Authorization header's parameter %q must have its value in double quotes", rawName)
		}
		var value strings.Builder
		closed := false
		for i = 1; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++ // an RFC 2616 quoted-pair: the next character as it is
				value.WriteByte(s[i])
				continue
			}
			if c == '"' {
				closed = true
				break
			}
			value.WriteByte(c)
		}
		if !closed {
			return nil, fmt.Errorf("the Authorization header's parameter %q has no closing double quote", rawName)
		}
		s = s[i+1:]
		name, err := url.PathUnescape(rawName)
		if err != nil {
			return nil, fmt.Errorf("the Authorization header's parameter name %q is not percent-encoded properly", rawName)
		}
		v := value.String()
		if name != "realm" {
			// PathUnescape, not QueryUnescape: section 3.6 encodes a
			// space as %20, so a "+" here is a plus sign.
			if v, err = url.PathUnescape(v); err != nil {
				return nil, fmt.Errorf("the Authorization header's %s is not percent-encoded properly (RFC 5849 section 3.6)", clip(rawName))
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("the Authorization header has %s twice", clip(rawName))
		}
		seen[name] = true
		ps = append(ps, param{name, v})
	}
}

// formatHeader writes params as an OAuth Authorization header in their
// order, realm first when there is one; parseHeader reads it back.
func formatHeader(realm string, params []param) string {
	var b strings.Builder
	b.WriteString("OAuth ")
	if realm != "" {
		// Encoded like the rest, which keeps quotes and backslashes out of
		// it; a realm of plain words is written as it is.
		b.WriteString(`realm="` + percentEncode(realm) + `"`)
	}
	for i, p := range params {
		if i > 0 || realm != "" {
			b.WriteString(", ")
		}
		b.WriteString(percentEncode(p.name) + `="` + percentEncode(p.value) + `"`)
	}
	return b.String()
}

// clip shortens s for an error message: long enough for any real
// parameter's name or value, short enough that a message stays a line.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
