// Package berg is a publication that is a URL, spoken to as BERG Cloud
// spoke to Little Printer publications from 2012 to 2014: a small website
// with a meta.json saying what it is, an /edition/ paperboy asks once a
// subscriber's hour, a /sample/, an /icon.png and an optional
// /validate_config/.
//
// ParseMeta reads meta.json as publishers really wrote it, string booleans
// and legacy fields included, and Meta.SDK turns it into the sdk.Meta
// paperboy shows and checks configs with. Client makes the requests with
// BERG's parameters and reads the answers as BERG did: 200 prints, 204 or
// an empty 200 prints nothing, 410 ends the subscription, anything else is
// an error. The contract is BERG's developer documentation (mirrored at
// little-printer.github.io) as publishers really used it.
package berg
