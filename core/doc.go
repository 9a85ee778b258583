// Package core is the paperboy server: the HTTP mux, the bridges'
// WebSocket sessions, presence, claiming, the JSON API, metrics and the
// wiring of the parts below it (codec, store, delivery, sdk).
//
// A bridge socket has one reader and one writer goroutine. The reader
// decodes frames and keeps presence in memory; whatever needs the database
// goes to a worker chosen by the bridge's address, so one bridge's events
// stay in order and the socket never waits on the database. The writer owns
// all writes, from a bounded queue, with a deadline each.
package core
