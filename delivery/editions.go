package delivery

import (
	"crypto/sha256"
	"sync"

	"paperboy/codec"
)

// editionPayloads keeps the payloads of the editions printed lately, by
// their picture and command: an edition shared by many subscribers (the
// same for everyone with a config, rendered once) is decoded and encoded
// once, not once per printer. Payloads are never changed once made.
type editionPayloads struct {
	mu    sync.Mutex
	m     map[editionKey][]byte
	order []editionKey // oldest first
	bytes int
}

type editionKey struct {
	picture [sha256.Size]byte
	cmd     codec.CommandCode
}

// maxEditionPayloadBytes bounds what is kept: the oldest go first.
const maxEditionPayloadBytes = 16 << 20

func (c *editionPayloads) get(k editionKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[k]
	return p, ok
}

func (c *editionPayloads) put(k editionKey, p []byte) {
	if len(p) > maxEditionPayloadBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[editionKey][]byte{}
	}
	if _, ok := c.m[k]; ok {
		return
	}
	for c.bytes+len(p) > maxEditionPayloadBytes && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= len(c.m[old])
		delete(c.m, old)
	}
	c.m[k] = p
	c.order = append(c.order, k)
	c.bytes += len(p)
}
