// Package codec is the Little Printer wire protocol: everything a bridge and a
// printer say to the server and everything the server says back, as described
// in ../shared/docs/protocol.md.
//
// It holds
//
//   - bridge messages in (DecodeMessage): every message type and every
//     BridgeEvent name as a typed value; unknown and malformed input are values
//     too (UnknownEvent, MalformedEvent), never a panic;
//   - device events (DecodeEvent, EncodeEvent): the 10-byte binary header and
//     the heartbeat, did-print, did-power-on, product-announce and BERG Cloud
//     pass-through events;
//   - commands out (DeviceCommand, BridgeCommand) with their binary payloads,
//     image blocks and run-length encoded bitmaps, and the way back
//     (DecodeCommand, ParsePayload, DecodeRLE) for the virtual printer and the
//     print history;
//   - claim codes (ParseClaimCode), hardware xor, link keys and CRC-16;
//   - pictures to 1 bit (Rasterize): scaling to 384 pixels (ScaleToWidth,
//     which scales to any width; ScaledHeight rounds the height), the
//     threshold rule of the vectors, Floyd–Steinberg and Atkinson dithering
//     of a picture's brightness (Luma), and the image decoders for PNG, JPEG
//     and GIF uploads: InspectImage reads a picture's header and refuses one
//     that would take more than MaxImagePixels or MaxImageBytes to decode,
//     DecodeImage decodes it at full size, DecodePrintImage shrinks it to
//     the print's width as it reads it.
//
// codec imports only the standard library and golang.org/x/image: it knows
// nothing of sockets or databases, and it never logs. Bad input gives an error
// that wraps ErrMalformed and, for binary input, names the byte offset
// (DecodeError).
package codec
