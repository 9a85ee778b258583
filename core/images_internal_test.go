package core

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"
)

// TestImageBudget: holders take bytes of the budget, first come first
// served; a need larger than the budget takes it all; a waiter whose
// context ends leaves the line.
func TestImageBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newImageBudget(100)
		ctx := t.Context()
		if err := b.acquire(ctx, 60); err != nil {
			t.Fatal(err)
		}
		// 50 does not fit beside 60: it waits, and 10, which would fit,
		// waits behind it rather than pass it.
		got := make(chan int64, 2)
		for _, n := range []int64{50, 10} {
			go func() {
				if err := b.acquire(ctx, n); err == nil {
					got <- n
				}
			}()
			synctest.Wait() // it waits in the line
			if last := b.waiting.Back().Value.(*budgetWaiter).n; last != n {
				t.Fatalf("%d is last in line, want %d", last, n)
			}
		}
		select {
		case n := <-got:
			t.Fatalf("%d taken while 60 of 100 are held", n)
		default:
		}
		b.release(60)
		if a, c := <-got, <-got; a+c != 60 {
			t.Fatalf("taken %d and %d; want 50 and 10", a, c)
		}
		b.release(50)
		b.release(10)

		// More than the budget takes all of it.
		if err := b.acquire(ctx, 1000); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
		defer cancel()
		if err := b.acquire(short, 1); err == nil {
			t.Fatal("1 taken while the whole budget is held")
		}
		if waiting := b.waiting.Len(); waiting != 0 {
			t.Fatalf("%d still waiting after their context ended", waiting)
		}
		b.release(1000)
		if b.used != 0 {
			t.Fatalf("%d used when all was given back", b.used)
		}

		// What was given back may be garbage: 220 so far (60, 50, 10, and
		// 1000 counted as the 100 it took).
		if !b.takeFreed(200) {
			t.Error("takeFreed(200) after 220 given back: false")
		}
		if b.takeFreed(1) {
			t.Error("takeFreed(1) after it said so, with nothing given back since: true")
		}
	})
}

// imageRequest is a print request with a picture.
func imageRequest(t *testing.T, data []byte) *http.Request {
	t.Helper()
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	fw, _ := w.CreateFormFile("image", "photo.jpg")
	fw.Write(data)
	w.Close()
	r := httptest.NewRequest("POST", "/api/v1/printers/1/print", &form)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return r
}

// TestPrintRequest_Picture: the friends publication gets a message's
// picture decoded once, small and grey.
func TestPrintRequest_Picture(t *testing.T) {
	t.Parallel()
	photo := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for y := range 1200 {
		for x := range 1600 {
			photo.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var data bytes.Buffer
	if err := jpeg.Encode(&data, photo, nil); err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{}.withDefaults(), images: newImageBudget(DefaultImageMemoryBytes)}
	req, err := s.printRequest(httptest.NewRecorder(), imageRequest(t, data.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(req.image))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.Gray); !ok || img.Bounds() != image.Rect(0, 0, 384, 288) {
		t.Fatalf("the publication gets a %T of %v, want a 384×288 grey picture", img, img.Bounds())
	}
	if s.images.used != 0 {
		t.Fatalf("%d bytes of the budget still held", s.images.used)
	}
}

// TestPrintRequest_Busy: a picture that finds no room in the budget within
// ImageWait is answered 503, with when to try again.
func TestPrintRequest_Busy(t *testing.T) {
	t.Parallel()
	s := &Server{cfg: Config{ImageWait: 10 * time.Millisecond}.withDefaults(), images: newImageBudget(1 << 20)}
	if err := s.images.acquire(t.Context(), 1<<20); err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	png.Encode(&data, image.NewGray(image.Rect(0, 0, 10, 10)))
	w, r := httptest.NewRecorder(), imageRequest(t, data.Bytes())
	_, err := s.printRequest(w, r)
	if a := s.answer(w, r, err); err != errImagesBusy || a.status != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" {
		t.Fatalf("err=%v answered %d, Retry-After %q; want %v, 503 and 5", err, a.status, w.Header().Get("Retry-After"), errImagesBusy)
	}
	s.images.release(1 << 20)
	if _, err := s.printRequest(httptest.NewRecorder(), imageRequest(t, data.Bytes())); err != nil {
		t.Fatal(err)
	}
}
