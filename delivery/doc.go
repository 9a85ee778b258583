// Package delivery is the printers' print queue: every print is stored
// before it is sent, and one dispatcher per online printer sends the oldest
// pending one, waits for the bridge's answer, then sends the next.
//
// The answer decides: success waits for the did-print event (which marks it
// printed); busy and network failure are retried with back-off; other codes
// fail the delivery with the reason in words; no answer in time sends it
// again. An offline printer keeps its queue.
//
// delivery imports codec and store only. The bridge connection reaches it
// through the small Sender interface, implemented by core.
package delivery
