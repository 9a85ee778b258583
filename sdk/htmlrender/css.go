package htmlrender

import (
	"strings"
)

// This file reads CSS: the rules of <style> blocks and the declarations of
// style="" attributes. It knows selectors by tag, class, id, attribute
// presence, :first-child and :last-child, joined by descendant and child
// combinators; a selector with anything else never matches, and what it
// cannot read it skips, as a browser does.

// Limits on a page's CSS, so that matching stays cheap whatever a page
// holds.
const (
	maxRules     = 4000 // selectors, counting each of a comma list
	maxDecls     = 200  // in one block
	maxCompounds = 16   // in one selector
)

// rule is one selector of a rule set with the declarations of its block.
type rule struct {
	sel   []compound // left to right
	spec  int        // specificity: ids<<16 | classes<<8 | tags
	order int        // in the cascade: user agent first, then the page's in source order
	decls []decl
}

// compound is one step of a selector: tag.class#id[attr]:first-child. comb
// is how it joins the step before it: ' ' for a descendant, '>' for a child.
type compound struct {
	tag        string // "" for any
	id         string
	classes    []string
	attrs      []string
	first      bool
	last       bool
	comb       byte
	matchNever bool
}

type decl struct {
	prop, value string
	important   bool
}

// stripComments takes /* */ comments out, leaving a space.
func stripComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		s = s[i+2+j+2:]
	}
}

// parseSheet reads a style sheet's rules, appending them to rules; order
// counts rules in the cascade.
func parseSheet(src string, rules []rule, order *int) []rule {
	return parseRules(stripComments(src), rules, order, 0)
}

func parseRules(s string, rules []rule, order *int, depth int) []rule {
	for len(s) > 0 && len(rules) < maxRules {
		s = strings.TrimLeft(s, " \t\r\n\f;}")
		if s == "" {
			break
		}
		if s[0] == '@' {
			// An at-rule: a statement ending in ';', or a block. @media
			// blocks apply for the screen (BERG's renderer took a
			// screenshot) and their rules are read; every other at-rule
			// (@font-face, @import, @page, @keyframes) is skipped.
			end := indexOutside(s, "{;")
			if end < 0 {
				break
			}
			if s[end] == ';' {
				s = s[end+1:]
				continue
			}
			prelude := strings.ToLower(s[:end])
			body, rest := block(s[end+1:])
			if depth < 4 && strings.HasPrefix(prelude, "@media") && mediaApplies(prelude[len("@media"):]) {
				rules = parseRules(body, rules, order, depth+1)
			}
			s = rest
			continue
		}
		open := indexOutside(s, "{")
		if open < 0 {
			break
		}
		selText := s[:open]
		body, rest := block(s[open+1:])
		s = rest
		decls := parseDecls(body)
		if len(decls) == 0 {
			continue
		}
		for _, one := range splitOutside(selText, ',') {
			sel, spec, ok := parseSelector(one)
			if !ok {
				continue
			}
			*order++
			rules = append(rules, rule{sel: sel, spec: spec, order: *order, decls: decls})
			if len(rules) >= maxRules {
				break
			}
		}
	}
	return rules
}

// mediaApplies says whether a media query list holds for a screen 384
// pixels wide: one of its queries is for all or screen media and has no
// feature but widths that hold.
func mediaApplies(q string) bool {
	for one := range strings.SplitSeq(q, ",") {
		one = strings.TrimSpace(one)
		if strings.HasPrefix(one, "not ") || strings.HasPrefix(one, "print") || strings.HasPrefix(one, "only print") {
			continue
		}
		ok := true
		for part := range strings.SplitSeq(one, "and") {
			part = strings.TrimSpace(part)
			switch {
			case part == "" || part == "all" || part == "screen" || part == "only screen":
			case strings.HasPrefix(part, "("):
				f := strings.Trim(part, "() ")
				name, val, _ := strings.Cut(f, ":")
				px, isLen := parseLength(strings.TrimSpace(val))
				switch strings.TrimSpace(name) {
				case "min-width", "min-device-width":
					ok = ok && isLen && px.v <= Width
				case "max-width", "max-device-width":
					ok = ok && isLen && px.v >= Width
				default:
					ok = false
				}
			default:
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// block splits s, just after an opening brace, at its closing brace: the
// block's content and what follows it.
func block(s string) (body, rest string) {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			if depth == 0 {
				return s[:i], s[i+1:]
			}
			depth--
		}
	}
	return s, ""
}

// indexOutside is the index of the first of chars in s outside quotes and
// parentheses, or -1.
func indexOutside(s, chars string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case depth == 0 && strings.IndexByte(chars, c) >= 0:
			return i
		}
	}
	return -1
}

// splitOutside splits s at sep outside quotes and parentheses.
func splitOutside(s string, sep byte) []string {
	var out []string
	for {
		i := indexOutside(s, string(sep))
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

// parseDecls reads the declarations of a block or a style attribute.
func parseDecls(s string) []decl {
	var out []decl
	for len(s) > 0 && len(out) < maxDecls {
		i := indexOutside(s, ";")
		one := s
		if i >= 0 {
			one, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		name, value, ok := strings.Cut(one, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if name == "" || value == "" {
			continue
		}
		d := decl{prop: name, value: value}
		if j := strings.LastIndexByte(value, '!'); j >= 0 && strings.EqualFold(strings.TrimSpace(value[j+1:]), "important") {
			d.value, d.important = strings.TrimSpace(value[:j]), true
		}
		out = append(out, d)
	}
	return out
}

// parseSelector reads one selector of a list. ok is false for one that is
// empty or malformed; one with a part this renderer does not know (a
// pseudo-element, :hover, +, ~) reads but never matches.
func parseSelector(s string) (sel []compound, spec int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, 0, false
	}
	var ids, classes, tags int
	comb := byte(0)
	cur := compound{}
	have := false // cur has something in it
	finish := func() bool {
		if !have {
			return false
		}
		cur.comb = comb
		sel = append(sel, cur)
		cur, have, comb = compound{}, false, ' '
		return len(sel) <= maxCompounds
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			if have && !finish() {
				return nil, 0, false
			}
			i++
		case c == '>' || c == '+' || c == '~':
			if have && !finish() {
				return nil, 0, false
			}
			if len(sel) == 0 {
				return nil, 0, false
			}
			comb = c
			i++
		case c == '*':
			have = true
			i++
		case c == '.' || c == '#':
			name, n := ident(s[i+1:])
			if name == "" {
				return nil, 0, false
			}
			if c == '.' {
				cur.classes = append(cur.classes, name)
				classes++
			} else {
				cur.id = name
				ids++
			}
			have = true
			i += 1 + n
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, 0, false
			}
			inner := strings.TrimSpace(s[i+1 : i+j])
			if name, n := ident(inner); n == len(inner) && name != "" {
				cur.attrs = append(cur.attrs, strings.ToLower(name))
			} else {
				cur.matchNever = true // [attr=value] and the like
			}
			classes++
			have = true
			i += j + 1
		case c == ':':
			j := i + 1
			if j < len(s) && s[j] == ':' {
				j++
			}
			name, n := ident(s[j:])
			j += n
			if j < len(s) && s[j] == '(' {
				k := strings.IndexByte(s[j:], ')')
				if k < 0 {
					return nil, 0, false
				}
				j += k + 1
				cur.matchNever = true
			}
			switch strings.ToLower(name) {
			case "first-child":
				cur.first = true
			case "last-child":
				cur.last = true
			case "link", "any-link", "-webkit-any-link":
				cur.attrs = append(cur.attrs, "href")
			case "root":
				cur.tag = "html"
			default:
				cur.matchNever = true // :hover, :visited, ::before…
			}
			classes++
			have = true
			i = j
		default:
			name, n := ident(s[i:])
			if name == "" {
				return nil, 0, false
			}
			cur.tag = strings.ToLower(name)
			tags++
			have = true
			i += n
		}
	}
	if !have || !finish() {
		return nil, 0, false
	}
	for _, c := range sel {
		if c.comb == '+' || c.comb == '~' {
			sel[len(sel)-1].matchNever = true
		}
	}
	return sel, min(ids, 255)<<16 | min(classes, 255)<<8 | min(tags, 255), true
}

// ident reads a CSS name at the start of s: its text and length.
func ident(s string) (string, int) {
	n := 0
	for n < len(s) {
		c := s[n]
		if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 {
			n++
			continue
		}
		if c == '\\' && n+1 < len(s) {
			n += 2
			continue
		}
		break
	}
	return strings.ReplaceAll(s[:n], `\`, ""), n
}

// matcher matches selectors against elements within a budget of steps:
// a page cannot make matching take long, whatever its selectors and
// nesting. Past the budget nothing more matches.
type matcher struct {
	steps int
}

const matchBudget = 4_000_000

// matches says whether sel matches e.
func (m *matcher) matches(sel []compound, e *node) bool {
	return m.matchFrom(sel, len(sel)-1, e)
}

func (m *matcher) matchFrom(sel []compound, i int, e *node) bool {
	if !m.one(&sel[i], e) {
		return false
	}
	if i == 0 {
		return true
	}
	if sel[i].comb == '>' {
		return e.parent != nil && m.matchFrom(sel, i-1, e.parent)
	}
	for p := e.parent; p != nil; p = p.parent {
		if m.steps > matchBudget {
			return false
		}
		if m.matchFrom(sel, i-1, p) {
			return true
		}
	}
	return false
}

func (m *matcher) one(c *compound, e *node) bool {
	m.steps++
	if c.matchNever || m.steps > matchBudget || e.tag == "" {
		return false
	}
	if c.tag != "" && c.tag != e.tag || c.id != "" && c.id != e.id {
		return false
	}
	for _, cl := range c.classes {
		if !e.hasClass(cl) {
			return false
		}
	}
	for _, a := range c.attrs {
		if _, ok := e.attr(a); !ok {
			return false
		}
	}
	return (!c.first || e.first) && (!c.last || e.last)
}
