package codec

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// BenchmarkEncode measures making a print: a 384×800 photo-like picture
// dithered, run-length encoded and put in a command payload, which is what a
// delivery stores. The YCbCr case is a decoded JPEG, what phones send.
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

// benchInputs is the 384×800 photo as RGBA (a decoded PNG) and as YCbCr (a
// decoded JPEG, what a phone sends).
func benchInputs(b *testing.B) []struct {
	name string
	img  image.Image
} {
	b.Helper()
	rgba := photo(PrintWidth, 800)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	ycc, err := DecodeImage(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	if _, ok := ycc.(*image.YCbCr); !ok {
		b.Fatalf("a decoded JPEG is %T, want *image.YCbCr", ycc)
	}
	return []struct {
		name string
		img  image.Image
	}{{"rgba", rgba}, {"ycbcr", ycc}}
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
