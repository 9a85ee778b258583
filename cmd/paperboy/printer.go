package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"paperboy/codec"
	"paperboy/virtual"
)

// runPrinter runs a virtual bridge with Little Printers against a server, as
// a person sees it: the printers' claim codes, then each print, until SIGINT
// or SIGTERM.
func runPrinter(e env, args []string) error {
	fs := newFlags(e, "printer", "printer [--server URL] [--data DIR] [--state FILE] [--printers N] [--out DIR] [--show] [--reset N] [misbehaviour flags]")
	server := fs.String("server", "ws://localhost:8080/api/v1/connection", "the server's bridge endpoint")
	data := dataFlag(fs).withPrinter(fs)
	printers := fs.Int("printers", 1, "how many printers a new bridge has (a bridge read from --state keeps its own)")
	show := fs.Bool("show", false, "draw each print on stdout with block characters")
	heartbeat := fs.Duration("heartbeat", virtual.DefaultHeartbeatEvery, "time between heartbeats")
	autoPress := fs.Bool("auto-press", true, "print SetDelivery at once, as if the button were pressed")
	dropAfter := fs.Int("drop-after", 0, "drop the socket once, when the Nth device command arrives, unanswered (0 = never)")
	neverAnswer := fs.Bool("never-answer", false, "never answer device commands")
	busy := fs.Bool("busy", false, "answer every device command with busy (0x30) and print nothing")
	slow := fs.Duration("slow", 0, "wait this long before answering each device command")
	printTime := fs.Duration("print-time", 0, "print as a real printer does: answer a print at once, print it this long after (one at a time, through reconnects), then say so (0 = print before answering)")
	reset := fs.Int("reset", 0, "factory-reset printer N (from 1) before connecting: new address and claim code")
	claimToken := fs.String("claim", "", "an API token: claim the printers not yet paired for its user, through the server's API")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q", rest[0])
	case *printers < 1:
		return fmt.Errorf("--printers %d: want 1 or more", *printers)
	case *heartbeat <= 0:
		return fmt.Errorf("--heartbeat %v: want a positive duration", *heartbeat)
	case *dropAfter < 0:
		return fmt.Errorf("--drop-after %d: want 0 (never) or more", *dropAfter)
	case *slow < 0:
		return fmt.Errorf("--slow %v: want 0 or more", *slow)
	case *printTime < 0:
		return fmt.Errorf("--print-time %v: want 0 or more", *printTime)
	case *reset < 0:
		return fmt.Errorf("--reset %d: want a printer number from 1", *reset)
	case *neverAnswer && *busy:
		return errors.New("--never-answer and --busy exclude each other")
	}

	// Its state holds the printers' secrets: a data folder made for it
	// (or for its prints) is the owner's alone.
	if *data.state == "" || data.Out() == data.in(printsDir) {
		if err := data.mkdir(); err != nil {
			return err
		}
	}
	out := &printerOutput{lockedWriter{w: e.stdout}}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	cfg := virtual.Config{
		URL:            *server,
		StatePath:      data.State(),
		Printers:       *printers,
		OutDir:         data.Out(),
		Logger:         logger,
		HeartbeatEvery: *heartbeat,
		AutoPress:      *autoPress,
		DropAfter:      *dropAfter,
		NeverAnswer:    *neverAnswer,
		AnswerBusy:     *busy,
		AnswerDelay:    *slow,
		PrintTime:      *printTime,
		OnPrint:        out.print,
	}
	if *show {
		cfg.Show = out
	}
	b, err := virtual.New(cfg)
	if err != nil {
		return err
	}
	n := len(b.Devices())
	if *reset > n {
		return fmt.Errorf("--reset %d: the bridge has %d printer(s)", *reset, n)
	}
	if *reset > 0 {
		if err := b.Reset(*reset - 1); err != nil {
			return err
		}
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "printers" && *printers != n {
			logger.Warn("the state file says how many printers there are; --printers ignored", "state", data.State(), "printers", n)
		}
	})
	for i, d := range b.Devices() {
		pairing := "paired"
		if !d.Paired {
			pairing = "not paired: claim it with this code"
		}
		out.printf("printer %d: device %s, claim code %s (%s)\n", i+1, d.Address, d.ClaimCode, pairing)
		if *claimToken != "" && !d.Paired {
			id, err := claimThroughAPI(*server, *claimToken, d.ClaimCode.String())
			if err != nil {
				return fmt.Errorf("claim printer %d: %w", i+1, err)
			}
			out.printf("printer %d: claimed; it is printer %d in the API (POST /api/v1/printers/%d/print)\n", i+1, id, id)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return b.Run(ctx)
}

// printerOutput is stdout shared by the bridge's printers: each print's
// drawing and line are written whole.
type printerOutput struct{ lockedWriter }

func (o *printerOutput) printf(format string, args ...any) {
	fmt.Fprintf(o, format, args...)
}

// print reports a print, or a stored personality or quip.
func (o *printerOutput) print(p virtual.Print) {
	what := "printed"
	switch p.Command {
	case codec.SetPersonality, codec.SetPersonalityWithMessage, codec.SetQuip:
		what = "stored " + p.Command.String()
	}
	files := ""
	if len(p.Files) > 0 {
		files = ": " + strings.Join(p.Files, ", ")
	}
	o.printf("%s command %d on %s%s\n", what, p.CommandID, p.Device, files)
}

// claimThroughAPI claims a code with the API of the server a bridge URL
// names, and returns the printer's id.
func claimThroughAPI(server, token, code string) (int64, error) {
	u, err := serverURL(server, "/api/v1/printers/claim")
	if err != nil {
		return 0, err
	}
	body, _ := json.Marshal(map[string]string{"claim_code": code, "name": "Virtual printer"})
	req, err := http.NewRequest("POST", u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		ID    int64  `json:"id"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return 0, fmt.Errorf("%s: %s", u, resp.Status)
	}
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("%s: %s", resp.Status, out.Error)
	}
	return out.ID, nil
}
