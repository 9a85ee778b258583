package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"log/slog"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
)

// ErrNoPublications is returned when the server runs without plugins.
var ErrNoPublications = errors.New("no publications: the server runs without plugins")

// edition is what came of asking a publication for an edition.
type edition struct {
	delivery     store.Delivery
	nothingToday bool
	finished     string
}

// printEdition asks a publication for an edition now and hands it to the
// print path (delivery.Queue.Print) as p; when the publication fails, the
// printer's history records why, and the error is returned (a
// *plugins.Error for the publication's fault).
func (s *Server) printEdition(ctx context.Context, p delivery.Print, a sdk.RenderArgs) (edition, error) {
	if s.plugins == nil {
		return edition{}, ErrNoPublications
	}
	out, err := s.plugins.Render(ctx, p.Publication, a)
	var pe *plugins.Error
	switch {
	case errors.As(err, &pe):
		s.queue.NotPrinted(ctx, p.PrinterID, p.Kind, pe)
		s.log.Warn("edition failed", "publication", p.Publication, "printer", p.PrinterID, slog.Any("error", err))
		return edition{}, err
	case err != nil:
		return edition{}, err
	case out.NothingToday:
		return edition{nothingToday: true}, nil
	case out.Finished != "":
		return edition{finished: out.Finished}, nil
	case out.PNG == nil:
		return edition{}, nil
	}
	p.Edition = out.PNG
	d, err := s.queue.Print(ctx, p)
	var perr *delivery.PictureError
	if errors.As(err, &perr) {
		s.log.Warn("edition failed", "publication", p.Publication, "printer", p.PrinterID, slog.Any("error", err))
		return edition{}, &plugins.Error{Publication: p.Publication, Msg: perr.Err.Error(), Err: perr}
	}
	return edition{delivery: d}, err
}

// editionPNG renders an edition of a publication and returns it as the
// printer prints it, a 1-bit PNG; nil, and no error, when the publication
// has nothing that day. The plugin's failures are 502s; a publication that
// says the subscription is finished, 409.
func (s *Server) editionPNG(ctx context.Context, name string, a sdk.RenderArgs) ([]byte, error) {
	out, err := s.plugins.Render(ctx, name, a)
	var pe *plugins.Error
	if errors.As(err, &pe) {
		return nil, errPublication(pe.Error())
	}
	if err != nil {
		return nil, err
	}
	switch {
	case out.NothingToday:
		return nil, nil
	case out.Finished != "":
		return nil, errConflict(fmt.Sprintf("%s says the subscription is finished: %s", name, out.Finished))
	}
	bm, err := codec.DecodeEdition(out.PNG)
	if err != nil {
		return nil, errPublication(name + ": " + err.Error())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bm); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
