// Package delivery is the printers' print queue: every print is stored
// before it is sent, and one dispatcher per online printer sends the oldest
// pending one, waits for the bridge's answer, then sends the next.
//
// A dispatcher runs only while its printer has something to send or to
// wait for: a city of idle printers is a small record each, not a goroutine
// each. It starts when a print is queued for its printer (here, or by
// another instance: the queue watches the store), when the printer comes
// online, and when a retry or a print's not-before comes due (one timer for
// the whole queue); it stops once the store has nothing due for it.
//
// The answer decides: success means the printer holds the print (for one
// that prints at once, the dispatcher waits for its did-print event, or
// Config.PrintTimeout, before the next); busy and network failure are
// retried with back-off; other codes fail the delivery with the reason in
// words; no answer in time sends it again. An answer counts only from the
// socket and the device its command was sent to, a late answer or a
// did-print only for the printer whose device said it. When a printer
// comes online (after a restart or a reconnect) only what was sent and
// never answered is sent again: at most one print a printer. An offline printer
// keeps its queue. core/doc.go, "Answers and prints", gives the reasons.
//
// delivery imports codec and store only. The bridge connection reaches it
// through the small Sender interface, implemented by core.
package delivery
