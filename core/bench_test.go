package core

import (
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// BenchmarkEnqueueToCommand measures the time from Enqueue to the command
// arriving on its bridge's socket, with 1,000 printers online (one bridge
// each, answering at once), deliveries spread over them at a steady 500 a
// second. The figures are p50-ms, p99-ms and max-ms.
func BenchmarkEnqueueToCommand(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) { benchEnqueueToCommand(b, kind, 1000, 500) })
	}
}

func benchEnqueueToCommand(b *testing.B, kind string, printers, perSecond int) {
	st := storetest.Open(b, kind)
	queue := delivery.New(st, delivery.Config{}, slog.New(slog.DiscardHandler))
	defer queue.Close()
	srv := New(Config{Listen: "127.0.0.1:0", HTTP: HTTPConfig{MaxConnsPerAddress: -1}}, // all from here
		Parts{Store: st, Queue: queue}, slog.New(slog.DiscardHandler))
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(b.Context())
	ctx := b.Context()
	u, err := st.CreateUser(ctx, "bench@example.com")
	if err != nil {
		b.Fatal(err)
	}

	var mu sync.Mutex
	arrived := map[int]time.Time{} // by sequence number
	ids := make([]int64, printers)
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range printers {
		dev, bridge := codec.Address(0xD0000+i), codec.Address(0xB0000+i)
		if err := st.DeviceSeen(ctx, dev.String(), dev.HardwareXor(), bridge.String()); err != nil {
			b.Fatal(err)
		}
		p, err := st.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: dev.HardwareXor(), Secret: uint64(i)})
		if err != nil || p.DeviceAddress != dev.String() {
			b.Fatalf("claim: %v %+v", err, p)
		}
		ids[i] = p.ID
		ws, _, err := (&websocket.Dialer{Subprotocols: []string{Subprotocol}}).Dial("ws://"+srv.Addr()+"/api/v1/connection", nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, ws)
		h := codec.Header{Bridge: bridge}
		send := func(m codec.Message) {
			data, _ := codec.EncodeMessage(m)
			ws.WriteMessage(websocket.TextMessage, data)
		}
		send(codec.PowerOn{Header: h})
		send(codec.DeviceConnect{Header: h, Device: dev})
		go func() {
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					return
				}
				now := time.Now()
				c, err := codec.DecodeCommand(data)
				if err != nil {
					continue
				}
				dc := c.(codec.DeviceCommand)
				p, err := codec.ParsePayload(dc.Payload)
				if err != nil {
					continue
				}
				seq := 0
				for bit := range 32 {
					if p.Images[0].Black(bit, 0) {
						seq |= 1 << bit
					}
				}
				mu.Lock()
				arrived[seq] = now
				mu.Unlock()
				send(codec.DeviceCommandResponse{Header: h, Device: dev, CommandID: dc.ID})
				send(codec.DeviceEvent{Header: h, Device: dev, Event: codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: dc.ID}})
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range ids {
		for !srv.queue.IsOnline(id) {
			if time.Now().After(deadline) {
				b.Fatal("printers not online")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	sent := map[int]time.Time{}
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	seq := 0
	b.ResetTimer()
	for b.Loop() {
		<-tick.C
		bm := codec.NewBitmap(1)
		for bit := range 32 {
			bm.Set(bit, 0, seq>>bit&1 == 1)
		}
		payload, _ := codec.EncodePayload(codec.SetDeliveryAndPrint, 0, bm)
		sent[seq] = time.Now()
		if _, err := srv.queue.Enqueue(ctx, store.NewDelivery{PrinterID: ids[seq%printers], Kind: "message",
			Command: uint16(codec.SetDeliveryAndPrint), Payload: payload}); err != nil {
			b.Fatal(err)
		}
		seq++
	}
	b.StopTimer()
	deadline = time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(arrived)
		mu.Unlock()
		if n >= seq {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d commands arrived", n, seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lat := make([]float64, 0, seq)
	mu.Lock()
	for s, t0 := range sent {
		lat = append(lat, float64(arrived[s].Sub(t0).Microseconds())/1000)
	}
	mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
	b.ReportMetric(0, "ns/op") // the pace sets ns/op: not a figure
}
