package virtual

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

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
