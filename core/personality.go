package core

import (
	"context"
	"fmt"
	"image"
	"io"
	"mime/multipart"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/store"
)

// personalityImages are the pictures of a printer's personality, in the
// order SetPersonality carries them.
var personalityImages = []string{"face", "nothing_to_print", "cannot_see_bridge", "cannot_see_internet"}

// setPersonality queues a printer's new personality, its four pictures:
// the setting of the API and of the web app.
func (s *Server) setPersonality(ctx context.Context, p store.Printer, bms []*codec.Bitmap) (store.Delivery, error) {
	d, err := s.queue.Print(ctx, delivery.Print{PrinterID: p.ID, Kind: "personality", Command: codec.SetPersonality, Pictures: bms})
	if err != nil {
		return store.Delivery{}, err
	}
	s.log.Info("personality queued", "printer", p.ID, "delivery_id", d.ID)
	return d, nil
}

// personalityBitmaps reads a personality's pictures from a parsed
// multipart form, in personalityImages' order. The API needs all four (as
// it has always said). The web form needs only the face, and each picture
// not given is the face too: the printer then looks the same in every
// state rather than keeping an old picture for some, and one upload is all
// most people want.
func (s *Server) personalityBitmaps(ctx context.Context, form *multipart.Form, faceForMissing bool) ([]*codec.Bitmap, error) {
	dither, err := formDither(form)
	if err != nil {
		return nil, err
	}
	out := make([]*codec.Bitmap, len(personalityImages))
	for i, field := range personalityImages {
		bm, err := s.formImage(ctx, form, field, dither)
		switch {
		case err != nil:
			return nil, err
		case bm == nil && i > 0 && faceForMissing:
			bm = out[0]
		case bm == nil:
			return nil, errField(field, fmt.Sprintf("the form has no image file %q", field))
		}
		out[i] = bm
	}
	return out, nil
}

// formImage reads an image file of a parsed multipart form, dithered; a
// nil bitmap and no error when the form has no such file. It is decoded
// within the budget for pictures.
func (s *Server) formImage(ctx context.Context, form *multipart.Form, field string, dither codec.Dither) (*codec.Bitmap, error) {
	if len(form.File[field]) == 0 {
		return nil, nil
	}
	f, err := form.File[field][0].Open()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	var bm *codec.Bitmap
	extra := func(info codec.ImageInfo) int64 { return codec.RasterizeBytes(info.PrintSize()) }
	err = s.withPicture(ctx, field, field+": ", data, extra, func(img *image.RGBA) error {
		bm = codec.Rasterize(img, dither)
		return nil
	})
	return bm, err
}

// formDither is the dithering a form asks for with "dither",
// floyd-steinberg by default.
func formDither(form *multipart.Form) (codec.Dither, error) {
	var v string
	if vs := form.Value["dither"]; len(vs) > 0 {
		v = vs[0]
	}
	if v == "" {
		return codec.FloydSteinberg, nil
	}
	d, err := codec.ParseDither(v)
	if err != nil {
		return d, errField("dither", err.Error())
	}
	return d, nil
}
