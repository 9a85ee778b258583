package core

import (
	"bytes"
	"container/list"
	"context"
	"image"
	"image/png"
	"net/http"
	"runtime"
	"sync"
	"time"

	"paperboy/codec"
)

// Uploaded pictures (a message's, a personality's) are decoded here, once
// each, and only within the server's budget of memory for pictures
// (Config.ImageMemoryBytes): a picture takes its share of the budget for
// as long as it is being decoded and made small, and one that does not fit
// waits, first come first served, for up to Config.ImageWait. codec refuses
// a picture too large for any budget (codec.MaxImageBytes) from its header,
// before it takes anything.

// imageRetryAfter is what a 503 for a busy budget tells a client to wait:
// pictures ahead take a second or two each.
const imageRetryAfter = 5 * time.Second

// collectAbove is the need from which a picture has the garbage of those
// before it collected before it is decoded (see withPicture).
const collectAbove = 16 << 20

// errImagesBusy answers a picture that waited Config.ImageWait for room in
// the budget.
var errImagesBusy = &httpError{status: http.StatusServiceUnavailable, code: CodeServerBusy,
	msg: "the server is busy with other pictures: try again in a few seconds", wait: imageRetryAfter}

// withPicture decodes an uploaded picture for a print, at most the print's
// width (codec.DecodePrintImage), and hands it to use while its memory,
// need bytes in all (what decoding takes, and what use takes beyond it,
// extra), is held in the budget. A picture that cannot be printed gives
// the field's error, in codec's words after prefix.
func (s *Server) withPicture(ctx context.Context, field, prefix string, data []byte,
	extra func(codec.ImageInfo) int64, use func(*image.RGBA) error) error {
	info, err := codec.InspectImage(data)
	if err != nil {
		return errField(field, prefix+err.Error())
	}
	need := info.PrintBytes() + extra(info)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ImageWait)
	defer cancel()
	if err := s.images.acquire(ctx, need); err != nil { // waited too long, or the client has gone
		return errImagesBusy
	}
	defer s.images.release(need)
	if need >= collectAbove && s.images.takeFreed(need) {
		// The pictures decoded before are garbage now, but the heap may
		// still hold them, and with this one it would grow to twice the
		// budget: collect them first. They hold no pointers, so the
		// collection is quick.
		runtime.GC()
	}
	img, err := codec.DecodePrintImage(data)
	if err != nil {
		return errField(field, prefix+err.Error())
	}
	return use(img)
}

// messagePicture is an uploaded picture as the friends publication is
// given it: decoded once here, at most the print's width, upright, on
// white, as an 8-bit grey PNG. The publication lays it out and dithers it,
// so it gets grey levels, not dots, and never decodes the upload itself.
func (s *Server) messagePicture(ctx context.Context, data []byte) ([]byte, error) {
	var out []byte
	// Beyond decoding: the grey copy, and the PNG (at most as large, and
	// the compressor's state).
	extra := func(info codec.ImageInfo) int64 {
		pw, ph := info.PrintSize()
		return 2*int64(pw)*int64(ph) + 1<<20
	}
	err := s.withPicture(ctx, "image", "image: ", data, extra, func(img *image.RGBA) error {
		var err error
		out, err = greyPNG(img)
		return err
	})
	return out, err
}

// greyPNG encodes an opaque picture as an 8-bit grey PNG, with the
// weights codec's dithering gives red, green and blue (codec.Luma).
func greyPNG(img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, codec.Luma(img)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// imageBudget is a semaphore of bytes: each holder takes what it needs,
// and those that do not fit wait, first come first served, so a large
// picture is not passed over for ever by small ones. A need larger than
// the whole budget takes all of it.
type imageBudget struct {
	size    int64
	mu      sync.Mutex
	used    int64
	freed   int64     // given back since takeFreed last said so
	waiting list.List // of *budgetWaiter, first come first
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when n is taken for it
}

func newImageBudget(size int64) *imageBudget { return &imageBudget{size: size} }

// acquire takes n bytes of the budget, waiting while others hold too much
// until ctx ends.
func (b *imageBudget) acquire(ctx context.Context, n int64) error {
	n = min(n, b.size)
	b.mu.Lock()
	if b.waiting.Len() == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	e := b.waiting.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready: // taken for it meanwhile: give it back
		b.used -= n
	default:
		b.waiting.Remove(e)
	}
	b.wake() // those behind it may fit now
	return ctx.Err()
}

// release gives back n bytes that acquire took.
func (b *imageBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= min(n, b.size)
	b.freed += min(n, b.size)
	b.wake()
}

// takeFreed reports whether at least n bytes were given back since it
// last said so: that much of the heap may be garbage.
func (b *imageBudget) takeFreed(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.freed < min(n, b.size) {
		return false
	}
	b.freed = 0
	return true
}

// wake gives the waiters at the front of the line what they need, while
// it fits. b.mu is held.
func (b *imageBudget) wake() {
	for e := b.waiting.Front(); e != nil; e = b.waiting.Front() {
		w := e.Value.(*budgetWaiter)
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		b.waiting.Remove(e)
		close(w.ready)
	}
}
