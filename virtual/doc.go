// Package virtual is a pretend BERG Cloud Bridge with Little Printers behind
// it: it plays the bridge's side of the wire protocol
// (../shared/docs/protocol.md) against a paperboy server, so a person can see
// prints appear without hardware (paperboy printer), and tests can run one
// bridge end to end or thousands in a load test.
//
// It imports codec for every message, gorilla/websocket for the socket, and
// nothing else of paperboy's.
//
// # Usage
//
//	b, err := virtual.New(virtual.Config{
//		URL:       "ws://localhost:8080/api/v1/connection",
//		StatePath: "data/printer.json",
//		OutDir:    "data/prints",
//		OnPrint:   func(p virtual.Print) { … },
//	})
//	…
//	for _, d := range b.Devices() {
//		fmt.Println(d.Address, d.ClaimCode, d.Paired)
//	}
//	err = b.Run(ctx) // until ctx ends
//
// # What the bridge does
//
// Run dials the server asking for the subprotocol bergcloud-bridge-v1 and
// sends power_on first on every new socket. A printer that is not paired sends
// encryption_key_required at once and then every Config.KeyRequestEvery until
// the server sends add_device_encryption_key with its link key (the one its
// claim code gives); then, and on every later connection, it sends
// device_connect, a did-power-on event and a heartbeat every
// Config.HeartbeatEvery. A dropped socket is dialled again after a back-off
// that doubles from Config.ReconnectMin to Config.ReconnectMax.
//
// Every BridgeCommand and DeviceCommand gets its response. Bridge commands
// other than add_device_encryption_key (leave, form, reboot, …) are answered
// with success and otherwise only logged. A delivery
// (SetDeliveryAndPrint, SetDeliveryAndPrintNoFace) is saved as PNG files in
// Config.OutDir, drawn on Config.Show, answered, followed by a did-print
// event whose print id is the command's, and reported to Config.OnPrint.
// SetDelivery and SetDeliveryNoFace print when the button is pressed: with
// Config.AutoPress at once, else the printer holds the delivery until
// Bridge.Press, and nothing else prints it. Personalities and quips are
// saved, answered and reported, with no did-print. A command for a device the
// bridge does not have, or one that is not paired (not joined to the bridge's
// network), is answered with return code 0x01, device not found.
//
// Config.DropAfter, NeverAnswer, AnswerBusy and AnswerDelay make it misbehave
// on purpose, for tests of the server's retries.
//
// For load tests, Config.LocalIP is the address it dials from (a load test
// spreads thousands of bridges over several, as one address has only so
// many ports), and Bridge.Stats counts its sockets, failed dials and
// heartbeats.
//
// # State
//
// The bridge address and, per printer, its device address, 40-bit secret and
// whether it is paired are kept in a JSON file (Config.StatePath), so a
// printer claimed once stays claimed. Bridge.Reset is a factory reset: a new
// device address with the same hardware xor, a new secret, so a new claim
// code. One file belongs to one Bridge at a time.
//
// # Thread safety
//
// A Bridge's methods may be called from any goroutine while Run runs. Run
// itself runs once at a time; every goroutine it starts has ended when it
// returns.
//
// # Logging
//
// Config.Logger gets short lower-case messages with the attributes bridge,
// device, command_id and error: Info for connections, pairing and prints,
// Warn for what heals itself (a lost socket, a wrong key, a bad command),
// Debug for heartbeats and key requests.
package virtual
