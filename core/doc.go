// Package core is the paperboy server: the HTTP mux, the bridges'
// WebSocket sessions, presence, claiming, the JSON API, the web app and
// metrics, on the parts cmd/paperboy wires for it (Parts: the store, the
// print queue, the publications, the clock, the metrics of the parts
// beside it).
//
// Where things are:
//
//   - the server: server.go (Server, New, Start, Shutdown), config.go,
//     routes.go (every route), errors.go (how errors are answered, the
//     API's error codes), paging.go (how lists page), limits.go and
//     ratelimit.go (the allowances), edges.go (the HTTP edges), metrics.go;
//   - the bridges: bridge.go (sockets), events.go (what they say),
//     presence.go (who speaks for which device);
//   - the operations, one file a resource, each taking a context, the user
//     and typed input, returning store's errors or client errors:
//     printers.go, deliveries.go, personality.go, messages.go, editions.go,
//     publications.go, subscriptions.go, friends.go, tokens.go; images.go
//     decodes uploaded pictures within their memory budget;
//   - the JSON API's handlers, which parse, call and answer: api.go and
//     api_*.go, one a resource;
//   - the web app's, pages rendered on the server: web.go (each page goes
//     through Server.web: security headers with a fresh script nonce, the
//     session from its cookie, the CSRF token of every POST form) and
//     web_*.go, with the templates and assets embedded from web/. They call
//     the same operations as the API, so both behave the same.
//
// An idle bridge socket has no goroutine and almost no memory: the upgrade
// handler returns, and a poller (epoll on Linux, a goroutine per socket
// elsewhere: poller.go) says when a socket has something to read. A reader
// from a small pool then reads its next message with gorilla, decodes it
// and keeps presence in memory (bridge_read.go); whatever needs the
// database goes to a worker chosen by the bridge's address, so one
// bridge's events stay in order and the socket never waits on the
// database. Frames to a bridge wait in a bounded queue that exists only
// while something waits, written by a goroutine that lives as long, with
// a deadline each.
//
// # What a bridge can and cannot prove
//
// A bridge's firmware sends no secret: anyone on the internet can open the
// bridge socket and say they are any bridge and any device. A socket proves
// only what it is (this connection, from this address, since then). So
// paperboy believes a socket only about what it already speaks for, and
// checks everything else against what it knows: which socket a command went
// to, which bridge a device was paired through, and who owns it. A message
// that fails a check is refused: counted in paperboy_bridge_refused_total by
// reason, noted in the log (a few lines a minute per socket at most), and
// it changes nothing. The rules:
//
//  1. A socket speaks for one bridge, the one its first message names; a
//     message naming another is refused (bridge_address_changed). A socket
//     naming a bridge another socket named closes nothing: two live side by
//     side, and the old one ends by itself when it falls silent
//     (BridgeIdleTimeout) or its connection breaks.
//  2. A device has at most one socket that speaks for it. A socket comes to
//     speak for a device by naming it (a connect, a heartbeat, any event,
//     an answer, a key request) when no other does: none has, or the one
//     that did closed, said device_disconnect, or has not been heard about
//     it for the presence timeout. Until then, whatever another socket says
//     about the device is refused (device_elsewhere). So a second socket
//     naming an online device never gets its commands, and a real bridge
//     that dials again after a network fault (its old socket half-open)
//     takes its printers back within the presence timeout. Instances
//     sharing a database do the same through it: the instance whose
//     socket speaks for a device holds it in the store (devices.seen_by,
//     written with its heartbeats), and another leaves it alone until that
//     instance lets go (the socket closed) or has not heard it for the
//     presence timeout and the time its heartbeats take to be written
//     (FlushEvery). An instance's name (Config.Instance) stays the same
//     across its restarts, so a restarted server takes its printers back
//     at once.
//  3. A printer's device is paired through a bridge: the first bridge it is
//     heard through with its key once it is the printer's (after a claim,
//     and the key of that claim code). Only a socket of that bridge prints
//     on it, gets its key again or reports its prints. Behind another
//     bridge it is "behind another bridge" (other_bridge): no key and no
//     print until its owner confirms the move (POST
//     /api/v1/printers/{id}/move, or the printer page), which pairs it
//     there. The owner sees the bridge it showed up behind.
//  4. Keys only where they belong. A paired device's link key goes only to
//     the socket that speaks for it, of the bridge it is paired through. A
//     device not paired yet gets the key of the newest claim code for its
//     hardware xor, if no device was paired with that code: a claim code
//     pairs one device (a factory reset gives a new address and prints a new
//     code), and is spent once it has. A spent code entered by another
//     account is refused; by its own, it changes nothing.
//  5. A paired device never changes owner through a claim: a claim takes a
//     device of its hardware xor only if it is not paired (a reset one: a
//     new address) or is nobody's. When a reset printer is paired with
//     another account, the owners of printers of that hardware xor whose
//     device went silent before it appeared (and is not online) are told:
//     the printer list says "reset and claimed by someone else", and its
//     events say when. Hardware xors are 24 bits: two printers may share
//     one, which is why a device that is online is never called handed on.
//  6. Answers and prints belong to their command. A command id is bound to
//     the socket and the device it was sent to: an answer counts only from
//     there (delivery.Queue.Answered). An answer that no dispatcher waits
//     for, or a did-print event, counts only from the socket that speaks
//     for the device and prints on its printer, and only for that printer's
//     deliveries (answer_not_ours, print_not_ours).
//  7. Limits no real bridge reaches: a socket speaks for at most
//     MaxDevicesPerBridge devices (too_many_devices); the sockets of one
//     client address add at most NewDevicesPerHour devices never seen
//     before to the store (too_many_new_devices); a socket is read at most
//     BridgeMessagesPerSecond messages a second (rate_limited: it is read
//     slower, nothing is lost); a frame begun must arrive whole within
//     BridgeFrameTimeout, and the sockets of one client address may be in
//     the middle of a few slow frames at once (slow_frame: the socket is
//     closed; bridge_read.go); at most BridgeLogLinesPerMinute log lines a
//     minute are about one socket (more are counted in
//     paperboy_bridge_log_lines_dropped_total).
//
// What this cannot stop: a stranger who knows both a printer's device
// address and its bridge's can, while the real bridge is offline for longer
// than the presence timeout, speak for that printer and receive its prints;
// and a printer claimed before it first calls home can be taken by a socket
// that guesses its hardware xor (one in sixteen million a try, and tries are
// limited as above) until the real printer calls home. Neither address is
// printed or shown to anyone but the owner.
//
// # Answers and prints
//
// A DeviceCommandResponse with return code 0 means the printer holds the
// job (it is in its memory; the filesystem errors 0x82 and 0x90–0x92 are
// the ways that fails). A did-print event adds that it came out. So a
// delivery answered with success is never sent again: it prints, even if
// the server crashes or the bridge reconnects meanwhile. Only a delivery
// sent and not answered may not have arrived, and is sent again when its
// printer comes online (after a restart or a reconnect). The
// dispatcher has one unanswered command at a time and, for a print that
// prints at once, waits for its did-print (or PrintTimeout) before it sends
// the next, so the printer holds one print at a time. Hence a crash or a
// reconnect prints at most one message twice per printer: the one on its
// way whose answer was lost. A did-print lost with a dying socket leaves its
// delivery answered; after PrintTimeout it is taken as printed, and its
// history says so.
package core
