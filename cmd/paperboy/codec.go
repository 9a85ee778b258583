package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"

	"paperboy/codec"
)

// maxLine bounds one bridge message on stdin; a photo's command is about a
// quarter of a megabyte.
const maxLine = 16 << 20

// runCodecDecode reads bridge messages, one JSON object a line, and writes
// {"message_type": …, "fields": {…}} for each. A malformed message is a
// result, not a failure: its reason goes to stderr and decoding goes on.
func runCodecDecode(e env, args []string) error {
	fs := newFlags(e, "codec decode", "codec decode < messages.jsonl")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("reads stdin; unexpected argument %q", rest[0])
	}
	r := bufio.NewReaderSize(e.stdin, 64<<10)
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		m := codec.DecodeMessage(line)
		if me, ok := m.(codec.MalformedEvent); ok {
			fmt.Fprintf(e.stderr, "paperboy codec decode: line %d: %s\n", n, oneLine(me.Error()))
		}
		if err := enc.Encode(struct {
			MessageType string         `json:"message_type"`
			Fields      map[string]any `json:"fields"`
		}{m.MessageType(), m.Fields()}); err != nil {
			return err
		}
	}
}

// readLine reads one line of at most maxLine bytes, without its newline.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("longer than %d MB", maxLine>>20)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			return line, nil
		case err != nil:
			return nil, err
		}
		return line[:len(line)-1], nil
	}
}

// runCodecEncode writes the command a bridge receives for images, or the
// add_device_encryption_key command for a claim code.
func runCodecEncode(e env, args []string) error {
	fs := newFlags(e, "codec encode", "codec encode --command NAME --bridge ADDR --device ADDR --command-id N [--dither MODE] IMAGE…\n       paperboy codec encode --command AddDeviceEncryptionKey --bridge ADDR --device ADDR --command-id N --claim-code CODE")
	name := fs.String("command", "", "SetDeliveryAndPrint, SetDelivery, SetDeliveryAndPrintNoFace, SetDeliveryNoFace, SetPersonality (4 images), SetPersonalityWithMessage (5), SetQuip (3), or AddDeviceEncryptionKey")
	bridgeFlag := fs.String("bridge", "", "bridge address, 16 hex digits")
	deviceFlag := fs.String("device", "", "device address, 16 hex digits")
	idFlag := fs.String("command-id", "", "command id, 1 to 4294967295")
	ditherFlag := fs.String("dither", "threshold", "threshold, floyd-steinberg or atkinson")
	claimFlag := fs.String("claim-code", "", "claim code, for AddDeviceEncryptionKey")
	images, err := fs.parse(args)
	if err != nil {
		return err
	}
	if *name == "" {
		return errors.New("--command is required")
	}
	bridge, err := addressFlag("bridge", *bridgeFlag)
	if err != nil {
		return err
	}
	device, err := addressFlag("device", *deviceFlag)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(*idFlag, 10, 32)
	if err != nil || id == 0 {
		return fmt.Errorf("--command-id %q: want a number from 1 to %d", *idFlag, uint32(math.MaxUint32))
	}
	var cmd codec.Command
	if *name == "AddDeviceEncryptionKey" {
		if len(images) > 0 {
			return errors.New("AddDeviceEncryptionKey takes no image")
		}
		if *claimFlag == "" {
			return errors.New("AddDeviceEncryptionKey needs --claim-code")
		}
		code, err := codec.ParseClaimCode(*claimFlag)
		if err != nil {
			return err
		}
		cmd = codec.NewAddDeviceEncryptionKey(bridge, device, uint32(id), code)
	} else {
		code, err := codec.ParseCommandCode(*name)
		if err != nil {
			return err
		}
		if *claimFlag != "" {
			return fmt.Errorf("--claim-code is only for AddDeviceEncryptionKey")
		}
		if len(images) != code.Images() {
			return fmt.Errorf("%s takes %d image(s), got %d", code, code.Images(), len(images))
		}
		dither, err := codec.ParseDither(*ditherFlag)
		if err != nil {
			return err
		}
		bitmaps := make([]*codec.Bitmap, len(images))
		for i, path := range images {
			if bitmaps[i], err = rasterizeFile(path, dither); err != nil {
				return err
			}
		}
		payload, err := codec.EncodePayload(code, uint32(id), bitmaps...)
		if err != nil {
			return err
		}
		cmd = codec.DeviceCommand{Bridge: bridge, Device: device, ID: uint32(id), Payload: payload}
	}
	_, err = e.stdout.Write(append(cmd.AppendFrame(nil), '\n'))
	return err
}

func addressFlag(name, v string) (codec.Address, error) {
	if v == "" {
		return 0, fmt.Errorf("--%s is required", name)
	}
	a, err := codec.ParseAddress(v)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", name, err)
	}
	return a, nil
}

// maxImageFile bounds an image file read by the CLI.
const maxImageFile = 64 << 20

// rasterizeFile reads a PNG, JPEG or GIF file and makes it a print.
func rasterizeFile(path string, d codec.Dither) (*codec.Bitmap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImageFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxImageFile {
		return nil, fmt.Errorf("%s: larger than %d MB", path, maxImageFile>>20)
	}
	img, err := codec.DecodePrintImage(data) // shrunk as it is read: less memory than DecodeImage
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return codec.Rasterize(img, d), nil
}

// runCodecClaim decodes a claim code.
func runCodecClaim(e env, args []string) error {
	fs := newFlags(e, "codec claim", "codec claim CODE")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("want one claim code, got %d arguments", len(rest))
	}
	code, err := codec.ParseClaimCode(rest[0])
	if err != nil {
		return err
	}
	key := code.LinkKeyBase64()
	return writeJSON(e.stdout, struct {
		HardwareXor uint32 `json:"hardware_xor"`
		Secret      uint64 `json:"secret"`
		LinkKey     string `json:"link_key"`
	}{code.HardwareXor, code.Secret, key[:len(key)-1]})
}

// runCodecPreview writes the print an image makes as a 1-bit PNG. The print
// goes through the wire encoding and back, so the PNG is what the printer
// gets.
func runCodecPreview(e env, args []string) error {
	fs := newFlags(e, "codec preview", "codec preview [--dither MODE] IMAGE -o OUT.png")
	ditherFlag := fs.String("dither", "threshold", "threshold, floyd-steinberg or atkinson")
	out := fs.String("o", "", "the PNG to write")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("want one image, got %d arguments", len(rest))
	}
	if *out == "" {
		return errors.New("-o OUT.png is required")
	}
	dither, err := codec.ParseDither(*ditherFlag)
	if err != nil {
		return err
	}
	bm, err := rasterizeFile(rest[0], dither)
	if err != nil {
		return err
	}
	payload, err := codec.EncodePayload(codec.SetDeliveryAndPrint, 1, bm)
	if err != nil {
		return err
	}
	printed, err := codec.ParsePayload(payload)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, printed.Images[0]); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return writeJSON(e.stdout, struct {
		Output       string `json:"output"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		Dither       string `json:"dither"`
		PayloadBytes int    `json:"payload_bytes"`
	}{*out, codec.PrintWidth, bm.Height, dither.String(), len(payload)})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
