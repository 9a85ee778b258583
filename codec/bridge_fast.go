package codec

import (
	"encoding/json"
	"strconv"
)

// A fast path for the frames a server reads most: a printer's heartbeat
// every ten seconds, and the answers to its commands. They are flat JSON
// objects of plain strings, numbers and lists of numbers, which take a
// few hundred nanoseconds to read by hand and microseconds through
// encoding/json's reflection. Each function here reads only such plain
// input, and gives up (ok false) on anything else: an escape, a byte
// outside printable ASCII, a nested object, a null, a key twice, a key in
// capitals (encoding/json matches keys case-blind). Then the caller uses
// encoding/json, so every input decodes as before; FuzzFastDecode checks
// that the two agree wherever the fast path answers.

// fastInMessage fills in from a flat frame. Its raw fields are slices of
// data, not copies: the decoder reads them and keeps none.
func fastInMessage(data []byte, in *inMessage) bool {
	p := fastParser{b: data}
	p.space()
	if !p.take('{') {
		return false
	}
	p.space()
	if p.take('}') {
		return p.end()
	}
	var seen uint16
	for {
		p.space()
		key, ok := p.plainString()
		if !ok || hasUpper(key) {
			return false
		}
		p.space()
		if !p.take(':') {
			return false
		}
		p.space()
		start := p.i
		if !p.value() {
			return false
		}
		raw := json.RawMessage(data[start:p.i:p.i])
		bit, field, str := in.field(string(key))
		if bit != 0 {
			if seen&bit != 0 {
				return false
			}
			seen |= bit
			switch {
			case str != nil:
				if raw[0] != '"' {
					return false // a number where a string is wanted: encoding/json says why
				}
				s := string(raw[1 : len(raw)-1])
				*str = &s
			default:
				*field = raw
			}
		}
		p.space()
		if p.take(',') {
			continue
		}
		if !p.take('}') {
			return false
		}
		return p.end()
	}
}

// field is where a key of a frame goes: a bit of its own (to see a key
// twice), and a raw field or a string field; bit 0 for a key not read.
func (in *inMessage) field(key string) (uint16, *json.RawMessage, **string) {
	switch key {
	case "type":
		return 1 << 0, nil, &in.Type
	case "bridge_address":
		return 1 << 1, nil, &in.BridgeAddress
	case "device_address":
		return 1 << 2, nil, &in.DeviceAddress
	case "timestamp":
		return 1 << 3, &in.Timestamp, nil
	case "json_payload":
		return 1 << 4, &in.JSONPayload, nil
	case "binary_payload":
		return 1 << 5, &in.BinaryPayload, nil
	case "rssi_stats":
		return 1 << 6, &in.RSSIStats, nil
	case "command_id":
		return 1 << 7, &in.CommandID, nil
	case "return_code":
		return 1 << 8, &in.ReturnCode, nil
	case "transfer_time":
		return 1 << 9, &in.TransferTime, nil
	case "records":
		return 1 << 10, &in.Records, nil
	}
	return 0, nil, nil
}

// hasUpper reports whether a key has a capital: all of inMessage's keys
// are lower case, so a key without one is matched by encoding/json only
// if it is one of them exactly.
func hasUpper(key []byte) bool {
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// fastString is a plain JSON string's value.
func fastString(raw []byte) (string, bool) {
	p := fastParser{b: raw}
	s, ok := p.plainString()
	return string(s), ok && p.end()
}

// fastFloat is a JSON number's value, when it is one that fits.
func fastFloat(raw []byte) (float64, bool) {
	p := fastParser{b: raw}
	if !p.number() || !p.end() {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// fastInts is a JSON list of integers that fit an int.
func fastInts(raw []byte) ([]int, bool) {
	p := fastParser{b: raw}
	p.space()
	if !p.take('[') {
		return nil, false
	}
	out := make([]int, 0, 4)
	p.space()
	if p.take(']') {
		return out, p.end()
	}
	for {
		p.space()
		start := p.i
		if !p.integer() {
			return nil, false
		}
		v, err := strconv.Atoi(string(p.b[start:p.i]))
		if err != nil {
			return nil, false
		}
		out = append(out, v)
		p.space()
		if p.take(',') {
			continue
		}
		if !p.take(']') {
			return nil, false
		}
		return out, p.end()
	}
}

// fastParser reads plain JSON from b at i.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) take(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (p *fastParser) end() bool {
	p.space()
	return p.i == len(p.b)
}

// plainString reads a string of printable ASCII without escapes, and
// returns what is between its quotes.
func (p *fastParser) plainString() ([]byte, bool) {
	if !p.take('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c < 0x20 || c >= 0x7F || c == '\\':
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// value reads a plain string, a number, true or false, or a list of
// those (not nested).
func (p *fastParser) value() bool {
	if p.take('[') {
		p.space()
		if p.take(']') {
			return true
		}
		for {
			p.space()
			if !p.scalar() {
				return false
			}
			p.space()
			if p.take(',') {
				continue
			}
			return p.take(']')
		}
	}
	return p.scalar()
}

func (p *fastParser) scalar() bool {
	if p.i >= len(p.b) {
		return false
	}
	switch p.b[p.i] {
	case '"':
		_, ok := p.plainString()
		return ok
	case 't':
		return p.word("true")
	case 'f':
		return p.word("false")
	}
	return p.number()
}

func (p *fastParser) word(w string) bool {
	if len(p.b)-p.i >= len(w) && string(p.b[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return true
	}
	return false
}

// integer reads -?(0|[1-9][0-9]*), JSON's integers.
func (p *fastParser) integer() bool {
	p.take('-')
	if p.take('0') {
		return true
	}
	if p.i >= len(p.b) || p.b[p.i] < '1' || p.b[p.i] > '9' {
		return false
	}
	p.digits()
	return true
}

// number reads a JSON number: an integer, then a fraction and an exponent
// if any.
func (p *fastParser) number() bool {
	if !p.integer() {
		return false
	}
	if p.take('.') && !p.digits() {
		return false
	}
	if p.take('e') || p.take('E') {
		if !p.take('+') {
			p.take('-')
		}
		if !p.digits() {
			return false
		}
	}
	return true
}

// digits reads one digit or more.
func (p *fastParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
