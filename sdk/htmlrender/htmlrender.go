// Package htmlrender turns an edition's HTML and CSS into a picture the
// printer prints, the way BERG Cloud's renderer did: 384 pixels wide, black
// and white, no anti-aliasing, <img class="dither"> dithered
// (Floyd–Steinberg) and everything else thresholded at 50 %.
//
// Two engines implement Engine: the pure-Go one here (New), the default,
// which lays out the blocks BERG publications use; and headless Chromium
// (paperboy/internal/chromium), which an operator may enable for
// publications that need a real browser. Both fetch what a page refers to
// only through Options.HTTP, the guarded client, so a page cannot make the
// server reach what its publication's own requests could not.
package htmlrender

import (
	"context"
	"image"
	"net/http"
	"net/url"
	"time"
)

// Width is the width of every picture an engine makes, in pixels.
const Width = 384

// Defaults of Options.
const (
	DefaultMaxHeight = 4000             // rows: 50 cm of paper; a longer page is cut
	DefaultTimeout   = 20 * time.Second // a whole render, its fetches included
	DefaultMaxBytes  = 2 << 20          // of a page's HTML
)

// Page is one HTML document to render.
type Page struct {
	HTML []byte
	// URL is the page's own address: relative and root-relative URLs in it
	// resolve against it. Nil for a page that has none (a message's HTML):
	// then only absolute and data: URLs are fetched.
	URL *url.URL
}

// Options tune an engine; zero values mean the defaults.
type Options struct {
	// HTTP fetches what a page refers to (images; for Chromium also style
	// sheets and scripts). Nil: nothing is fetched but data: URLs.
	HTTP *http.Client
	// MaxHeight is the tallest picture made, in rows; a page that is
	// longer is cut there.
	MaxHeight int
	// Timeout bounds one render, its fetches included.
	Timeout time.Duration
	// MaxBytes bounds a page's HTML; a larger one is an error.
	MaxBytes int
}

// WithDefaults is o with its zero values set to the defaults.
func (o Options) WithDefaults() Options {
	if o.MaxHeight <= 0 {
		o.MaxHeight = DefaultMaxHeight
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	return o
}

// Engine renders pages. Render returns a picture Width pixels wide and at
// most Options.MaxHeight tall whose pixels are all 0 (black) or 255
// (white), or an error that says, in words a subscriber can read, why
// there is none. Implementations are safe for concurrent use.
type Engine interface {
	Render(ctx context.Context, p Page) (*image.Gray, error)
}
