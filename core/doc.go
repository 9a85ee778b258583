// Package core is the paperboy server: the HTTP mux, the bridges'
// WebSocket sessions, presence, claiming, the JSON API, the web app,
// metrics and the wiring of the parts below it (codec, store, delivery, sdk).
//
// The web app (web*.go, templates and assets embedded from web/) is pages
// rendered on the server. Each goes through Server.web: security headers
// with a fresh script nonce, the session from its cookie, and the CSRF
// token of every POST form. Its handlers share their work with the API's
// (claimPrinter, printMessage, changePrinter, subscribe), so both behave the
// same.
//
// A bridge socket has one reader and one writer goroutine. The reader
// decodes frames and keeps presence in memory; whatever needs the database
// goes to a worker chosen by the bridge's address, so one bridge's events
// stay in order and the socket never waits on the database. The writer owns
// all writes, from a bounded queue, with a deadline each.
package core
