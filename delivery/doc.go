// Package delivery is the printers' print queue: every print is stored
// before it is sent, and one dispatcher per online printer sends the oldest
// pending one, waits for the bridge's answer, then sends the next.
//
// The answer decides: success means the printer holds the print (for one
// that prints at once, the dispatcher waits for its did-print event, or
// Config.PrintTimeout, before the next); busy and network failure are
// retried with back-off; other codes fail the delivery with the reason in
// words; no answer in time sends it again. An answer counts only from the
// socket and the device its command was sent to, a late answer or a
// did-print only for the printer whose device said it. When a dispatcher
// starts (after a restart or a reconnect) only what was sent and never
// answered is sent again: at most one print a printer. An offline printer
// keeps its queue. core/doc.go, "Answers and prints", gives the reasons.
//
// delivery imports codec and store only. The bridge connection reaches it
// through the small Sender interface, implemented by core.
package delivery
