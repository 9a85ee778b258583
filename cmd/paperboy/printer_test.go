package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/virtual"
)

func TestPrinter_FlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"unknown flag", []string{"--colour"}, "colour"},
		{"argument", []string{"extra"}, "extra"},
		{"no printers", []string{"--printers", "0"}, "--printers"},
		{"negative slow", []string{"--slow", "-1s"}, "--slow"},
		{"bad duration", []string{"--heartbeat", "often"}, "heartbeat"},
		{"zero heartbeat", []string{"--heartbeat", "0s"}, "--heartbeat"},
		{"negative drop", []string{"--drop-after", "-2"}, "--drop-after"},
		{"never answer and busy", []string{"--never-answer", "--busy"}, "exclude"},
		{"not a websocket URL", []string{"--server", "http://localhost:8080/"}, "URL"},
		{"reset a printer it has not", []string{"--printers", "2", "--reset", "3"}, "--reset 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"--state", filepath.Join(dir, "state.json"), "--out", filepath.Join(dir, "prints")}, tt.args...)
			var out, errOut bytes.Buffer
			err := runPrinter(env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}, args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one that mentions %q", err, tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

func TestPrinter_PrintsUntilSignal(t *testing.T) {
	// The server: it hands each socket to the test.
	conns := make(chan *websocket.Conn, 4)
	up := websocket.Upgrader{Subprotocols: []string{virtual.Subprotocol}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws, err := up.Upgrade(w, r, nil); err == nil {
			conns <- ws
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	outDir := filepath.Join(dir, "prints")
	pr := start(t, nil, "printer", "--server", "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/connection",
		"--state", filepath.Join(dir, "printer.json"), "--out", outDir, "--heartbeat", "20ms", "--show")
	waitLine := pr.waitLine
	var ws *websocket.Conn
	select {
	case ws = <-conns:
	case <-time.After(10 * time.Second):
		t.Fatal("paperboy printer did not connect")
	}
	defer ws.Close()
	read := func() codec.Message {
		t.Helper()
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading from paperboy printer: %v", err)
		}
		return codec.DecodeMessage(data)
	}
	send := func(c codec.Command) {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, c.AppendFrame(nil)); err != nil {
			t.Fatal(err)
		}
	}

	m := waitLine(regexp.MustCompile(`^printer 1: device ([0-9a-f]{16}), claim code ([0-9a-z-]{19}) \(not paired: claim it with this code\)$`))
	device, _ := codec.ParseAddress(m[1])
	code, err := codec.ParseClaimCode(m[2])
	if err != nil {
		t.Fatalf("the claim code printed: %v", err)
	}
	power, ok := read().(codec.PowerOn)
	if !ok {
		t.Fatal("the first message is not power_on")
	}
	send(codec.NewAddDeviceEncryptionKey(power.Bridge, device, 1, code))
	for connected := false; !connected; {
		_, connected = read().(codec.DeviceConnect)
	}

	bm := codec.NewBitmap(16)
	for x := range 100 {
		bm.Set(x, 3, true)
	}
	payload, err := codec.EncodePayload(codec.SetDeliveryAndPrint, 17, bm)
	if err != nil {
		t.Fatal(err)
	}
	send(codec.DeviceCommand{Bridge: power.Bridge, Device: device, ID: 17, Payload: payload})
	file := filepath.Join(outDir, m[1]+"-17.png")
	waitLine(regexp.MustCompile(`^printed command 17 on ` + m[1] + `: ` + regexp.QuoteMeta(file) + `$`))
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the print's file: %v", err)
	}

	if err := pr.stop(syscall.SIGINT); err != nil {
		t.Fatalf("after SIGINT: %v, want exit status 0", err)
	}
	if !strings.Contains(pr.stderr.String(), "msg=paired") {
		t.Errorf("the log on stderr does not say the printer paired:\n%s", pr.stderr.String())
	}
}
