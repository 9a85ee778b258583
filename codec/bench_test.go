package codec

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
)

// BenchmarkEncode measures making a print: a 384×800 photo-like picture
// dithered, run-length encoded and put in a command payload, which is what a
// delivery stores. Every dither is run from every image type the decoders
// give a print: RGBA (an opaque PNG), YCbCr (a JPEG, what phones send),
// paletted (a GIF) and gray (a grey PNG). Each should take well under 0.7 ms
// (issue 19).
func BenchmarkEncode(b *testing.B) {
	for _, in := range benchInputs(b) {
		for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
			b.Run(in.name+"/"+d.String(), func(b *testing.B) {
				b.ReportAllocs()
				var size int
				for b.Loop() {
					bm := Rasterize(in.img, d)
					p, err := EncodePayload(SetDeliveryAndPrint, 1, bm)
					if err != nil {
						b.Fatal(err)
					}
					size = len(p)
				}
				b.ReportMetric(float64(size), "payload-bytes")
			})
		}
	}
}

// BenchmarkRasterize is the dithering step alone.
func BenchmarkRasterize(b *testing.B) {
	for _, in := range benchInputs(b) {
		for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
			b.Run(in.name+"/"+d.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					Rasterize(in.img, d)
				}
			})
		}
	}
}

// benchInputs is the 384×800 photo as each image type a decoder gives:
// RGBA (an opaque PNG), YCbCr (a JPEG, what a phone sends), paletted (a GIF,
// quantized to its Plan 9 palette) and gray (a grey PNG).
func benchInputs(b *testing.B) []struct {
	name string
	img  image.Image
} {
	b.Helper()
	rgba := photo(PrintWidth, 800)
	decode := func(want string, encode func(io.Writer) error) image.Image {
		var buf bytes.Buffer
		if err := encode(&buf); err != nil {
			b.Fatal(err)
		}
		img, err := DecodeImage(buf.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		if got := fmt.Sprintf("%T", img); got != want {
			b.Fatalf("decoded picture is %s, want %s", got, want)
		}
		return img
	}
	ycc := decode("*image.YCbCr", func(w io.Writer) error { return jpeg.Encode(w, rgba, &jpeg.Options{Quality: 90}) })
	pal := decode("*image.Paletted", func(w io.Writer) error { return gif.Encode(w, rgba, nil) })
	gray := decode("*image.Gray", func(w io.Writer) error { return png.Encode(w, Luma(rgba)) })
	return []struct {
		name string
		img  image.Image
	}{{"rgba", rgba}, {"ycbcr", ycc}, {"paletted", pal}, {"gray", gray}}
}

// BenchmarkAppendRLE is the run-length step alone, on a dithered photo.
func BenchmarkAppendRLE(b *testing.B) {
	bm := Rasterize(photo(PrintWidth, 800), FloydSteinberg)
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRLE(buf[:0], bm)
	}
}

// BenchmarkDecodeMessage_Heartbeat is the most frequent frame a server reads:
// one every 10 s from every printer.
func BenchmarkDecodeMessage_Heartbeat(b *testing.B) {
	frame := []byte(`{"type": "DeviceEvent", "bridge_address": "3fa689e87c7882d7", "device_address": "0e492e540913f1a2", "timestamp": 1426256547.5, "rssi_stats": [-20, -20, -19], "binary_payload": "AQAAAAAABAAAABQAAAA="}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := DecodeMessage(frame).(DeviceEvent); !ok {
			b.Fatal("not a device event")
		}
	}
}

// BenchmarkDeviceCommandFrame is the frame of a photo's command as the
// socket writer sends it.
func BenchmarkDeviceCommandFrame(b *testing.B) {
	p, err := EncodePayload(SetDeliveryAndPrint, 1, Rasterize(photo(PrintWidth, 800), FloydSteinberg))
	if err != nil {
		b.Fatal(err)
	}
	c := DeviceCommand{Bridge: 1, Device: 2, ID: 1, Payload: p}
	buf := make([]byte, 0, 512<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		buf = c.AppendFrame(buf[:0])
	}
}

// BenchmarkDecodePrintImage is a phone photo (a 12-megapixel JPEG) on its
// way to a print: decoded at full size and scaled by Rasterize, as it was,
// and shrunk as it is read by DecodePrintImage, as the server now does.
func BenchmarkDecodePrintImage(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photo(4000, 3000), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("DecodeImage+Rasterize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			img, err := DecodeImage(data)
			if err != nil {
				b.Fatal(err)
			}
			Rasterize(img, FloydSteinberg)
		}
	})
	b.Run("DecodePrintImage+Rasterize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			img, err := DecodePrintImage(data)
			if err != nil {
				b.Fatal(err)
			}
			Rasterize(img, FloydSteinberg)
		}
	})
}
