package virtual

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"paperboy/codec"
)

// save writes each image as a PNG file in Config.OutDir and returns the
// paths written. A file that cannot be written is logged and left out: the
// printer printed it all the same.
func (b *Bridge) save(device codec.Address, commandID uint32, images []*codec.Bitmap) []string {
	if b.cfg.OutDir == "" {
		return nil
	}
	var files []string
	for n, img := range images {
		name := fmt.Sprintf("%s-%d.png", device, commandID)
		if len(images) > 1 {
			name = fmt.Sprintf("%s-%d-%d.png", device, commandID, n+1)
		}
		path := filepath.Join(b.cfg.OutDir, name)
		var buf bytes.Buffer
		err := png.Encode(&buf, img) // a 1-bit PNG: Bitmap is paletted
		if err == nil {
			err = os.WriteFile(path, buf.Bytes(), 0o644)
		}
		if err != nil {
			b.log.Error("cannot save print", "device", device.String(), "command_id", commandID, slog.Any("error", err))
			continue
		}
		files = append(files, path)
	}
	return files
}

// show draws a delivery on Config.Show.
func (b *Bridge) show(device codec.Address, commandID uint32, images []*codec.Bitmap) {
	if b.cfg.Show == nil {
		return
	}
	var buf bytes.Buffer
	for _, img := range images {
		draw(&buf, fmt.Sprintf("command %d on %s", commandID, device), img)
	}
	b.showMu.Lock()
	defer b.showMu.Unlock()
	if _, err := b.cfg.Show.Write(buf.Bytes()); err != nil {
		b.log.Warn("cannot show print", slog.Any("error", err))
	}
}

func (b *Bridge) onPrint(p Print) {
	if b.cfg.OnPrint != nil {
		b.cfg.OnPrint(p)
	}
}

// Drawing: each character is a cell cellWidth pixels wide and 2·cellHalf
// tall, split in a top and a bottom half, so a print 384 pixels wide is 96
// columns and keeps its shape in a terminal, whose characters are about
// twice as tall as wide.
const (
	showColumns = 96
	cellWidth   = codec.PrintWidth / showColumns
	cellHalf    = cellWidth
	// inkMin is how many of a half cell's pixels must be black for it to be
	// drawn black: a bit under half, so thin lines do not vanish.
	inkMin = cellWidth * cellHalf * 3 / 8
)

// draw writes the bitmap with block characters (▀ ▄ █ and space) between two
// rules, the top one carrying caption.
func draw(w io.Writer, caption string, bm *codec.Bitmap) {
	var sb strings.Builder
	top := "── " + caption + " "
	sb.WriteString(top)
	sb.WriteString(strings.Repeat("─", max(0, showColumns-len([]rune(top)))))
	sb.WriteByte('\n')
	for y := 0; y < bm.Height; y += 2 * cellHalf {
		line := make([]rune, showColumns)
		for col := range line {
			up := inked(bm, col*cellWidth, y)
			down := inked(bm, col*cellWidth, y+cellHalf)
			switch {
			case up && down:
				line[col] = '█'
			case up:
				line[col] = '▀'
			case down:
				line[col] = '▄'
			default:
				line[col] = ' '
			}
		}
		sb.WriteString(strings.TrimRight(string(line), " "))
		sb.WriteByte('\n')
	}
	sb.WriteString(strings.Repeat("─", showColumns))
	sb.WriteByte('\n')
	io.WriteString(w, sb.String())
}

// inked reports whether the half cell at (x, y) is black enough to draw.
func inked(bm *codec.Bitmap, x, y int) bool {
	n := 0
	for dy := range cellHalf {
		for dx := range cellWidth {
			if bm.Black(x+dx, y+dy) {
				n++
			}
		}
	}
	return n >= inkMin
}

// printQueue is how many prints a printer holds with Config.PrintTime.
const printQueue = 16

// hold gives a printer a print to print Config.PrintTime later, after those
// it holds already; it reports false if it holds as many as it can.
func (b *Bridge) hold(addr codec.Address, h heldDelivery) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	jobs := b.jobs[addr]
	if jobs == nil {
		jobs = make(chan heldDelivery, printQueue)
		b.jobs[addr] = jobs
		ctx := b.runCtx
		b.printers.Go(func() { b.printLoop(ctx, addr, jobs) })
	}
	select {
	case jobs <- h:
		return true
	default:
		return false
	}
}

// printLoop prints what a printer holds, one after another, each taking
// Config.PrintTime, until the bridge stops or the printer is reset.
func (b *Bridge) printLoop(ctx context.Context, addr codec.Address, jobs <-chan heldDelivery) {
	for {
		var h heldDelivery
		var ok bool
		select {
		case <-ctx.Done():
			return
		case h, ok = <-jobs:
			if !ok {
				return
			}
		}
		t := time.NewTimer(b.cfg.PrintTime)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		files := b.save(addr, h.commandID, h.payload.Images)
		b.show(addr, h.commandID, h.payload.Images)
		b.log.Info("printed", "device", addr.String(), "command_id", h.commandID, "files", files)
		b.onPrint(Print{Device: addr, CommandID: h.commandID, Command: h.payload.Command, Images: h.payload.Images, Files: files})
		b.mu.Lock()
		s := b.sess
		if s == nil || s.devices[addr] == nil || !s.devices[addr].live {
			b.unsent[addr] = append(b.unsent[addr], h.payload.PrintID)
			s = nil
		}
		b.mu.Unlock()
		if s != nil && s.deviceEvent(addr, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: h.payload.PrintID}) != nil {
			b.mu.Lock()
			b.unsent[addr] = append(b.unsent[addr], h.payload.PrintID)
			b.mu.Unlock()
		}
	}
}

// sendUnsent sends the did-prints a printer made while the bridge had no
// socket, once it is announced on this one: from then on printLoop sends
// its own.
func (s *session) sendUnsent(addr codec.Address) {
	b := s.b
	b.mu.Lock()
	if d := s.devices[addr]; d != nil {
		d.live = true
	}
	ids := b.unsent[addr]
	delete(b.unsent, addr)
	b.mu.Unlock()
	for i, id := range ids {
		if s.deviceEvent(addr, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: id}) != nil {
			b.mu.Lock()
			b.unsent[addr] = append(ids[i:], b.unsent[addr]...)
			b.mu.Unlock()
			return
		}
	}
}
