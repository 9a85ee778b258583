package plugintest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"paperboy/sdk"
	"paperboy/sdk/pluginpb"
)

// misbehaving are the publications of the fault tests, by name: each
// serves itself as a plugin process.
var misbehaving = map[string]func(){
	"counts":  func() { sdk.Serve(counts{}) },
	"crashes": func() { sdk.Serve(crashes{}) },
	"hangs":   func() { sdk.Serve(hangs{}) },
	"panics":  func() { sdk.Serve(panics{}) },
	"garbage": serveGarbage,
	"html":    func() { sdk.Serve(htmlPage{}) },
	"exits": func() { // exits at start, before it serves
		fmt.Fprintln(os.Stderr, "exits: cannot read my settings")
		os.Exit(3)
	},
}

// counts is the same for everyone (scheduled, not personal) and counts its
// Render calls: each appends a line to the file its config names, after a
// pause, so that calls can overlap. For the tests of shared editions.
type counts struct{}

func (counts) Meta() sdk.Meta {
	return sdk.Meta{Name: "counts", Title: "Counts", Kind: sdk.Scheduled, Fields: []sdk.Field{
		{Name: "file", Label: "Where to count", Type: sdk.Text, Required: true},
		{Name: "pause_ms", Label: "Pause", Type: sdk.Number, Default: "0", Min: 0, Max: 10000},
	}}
}

func (counts) Validate(context.Context, sdk.Config) error { return nil }

func (counts) Render(ctx context.Context, r sdk.Request) (sdk.Result, error) {
	f, err := os.OpenFile(r.Config["file"], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return sdk.Result{}, err
	}
	_, err = f.WriteString(r.Time.Format(time.DateOnly) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sdk.Result{}, err
	}
	ms, _ := strconv.Atoi(r.Config["pause_ms"])
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
	case <-ctx.Done():
		return sdk.Result{}, ctx.Err()
	}
	return sdk.Print(sdk.NewDocument().Title("Counts").Text(r.Time.Format("Monday 2 January"))), nil
}

// crashes panics in Render on a goroutine of its own, which no recover can
// catch, so the process dies.
type crashes struct{}

func (crashes) Meta() sdk.Meta {
	return sdk.Meta{Name: "crashes", Title: "Crashes", Kind: sdk.Scheduled, Personal: true}
}

func (crashes) Validate(context.Context, sdk.Config) error { return nil }

func (crashes) Render(context.Context, sdk.Request) (sdk.Result, error) {
	go func() { panic("boom") }()
	time.Sleep(time.Minute)
	return sdk.Result{}, nil
}

// hangs never returns from Render and ignores its context.
type hangs struct{}

func (hangs) Meta() sdk.Meta {
	return sdk.Meta{Name: "hangs", Title: "Hangs", Kind: sdk.Scheduled, Personal: true}
}

func (hangs) Validate(context.Context, sdk.Config) error { return nil }

func (hangs) Render(context.Context, sdk.Request) (sdk.Result, error) {
	select {}
}

// panics panics in the call itself, which the SDK recovers: the edition
// fails with a message, the process lives.
type panics struct{}

func (panics) Meta() sdk.Meta {
	return sdk.Meta{Name: "panics", Title: "Panics", Kind: sdk.Scheduled, Personal: true}
}

func (panics) Validate(context.Context, sdk.Config) error { return nil }

func (panics) Render(context.Context, sdk.Request) (sdk.Result, error) {
	var m map[string]int
	m["boom"]++ //lint:ignore SA5000 the panic is the point
	return sdk.Result{}, nil
}

// garbage speaks the protocol itself, below the SDK, and answers Render
// with bytes that are not a picture, or with a PNG of the wrong width when
// its config asks.
type garbage struct {
	pluginpb.UnimplementedPublicationServer
}

func (garbage) Meta(context.Context, *pluginpb.MetaRequest) (*pluginpb.MetaResponse, error) {
	return &pluginpb.MetaResponse{Name: "garbage", Title: "Garbage", Kind: "scheduled", Personal: true,
		Fields: []*pluginpb.Field{{Name: "wide", Type: "bool", DefaultValue: "false"}}}, nil
}

func (garbage) Validate(context.Context, *pluginpb.ValidateRequest) (*pluginpb.ValidateResponse, error) {
	return &pluginpb.ValidateResponse{}, nil
}

func (garbage) Render(_ context.Context, r *pluginpb.RenderRequest) (*pluginpb.RenderResponse, error) {
	if r.Config["wide"] == "true" {
		var buf bytes.Buffer
		png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1000, 10)))
		return &pluginpb.RenderResponse{Outcome: &pluginpb.RenderResponse_Png{Png: buf.Bytes()}}, nil
	}
	return &pluginpb.RenderResponse{Outcome: &pluginpb.RenderResponse_Png{Png: []byte("\x89PNG this is not a picture")}}, nil
}

type garbagePlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (garbagePlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterPublicationServer(s, garbage{})
	return nil
}

func (garbagePlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, nil
}

func serveGarbage() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: sdk.Handshake,
		Plugins:         plugin.PluginSet{sdk.PluginName: garbagePlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}

// htmlPage returns its edition as HTML, for the server to render: the
// page its config names, against the base URL its config names.
type htmlPage struct{}

func (htmlPage) Meta() sdk.Meta {
	return sdk.Meta{Name: "html", Title: "HTML", Kind: sdk.Scheduled, Personal: true, Fields: []sdk.Field{
		{Name: "page", Label: "The page", Type: sdk.TextArea, MaxLength: 10000, Default: "<h1>Hello</h1>"},
		{Name: "base", Label: "Its base URL", Type: sdk.Text},
	}}
}

func (htmlPage) Validate(context.Context, sdk.Config) error { return nil }

func (htmlPage) Render(_ context.Context, r sdk.Request) (sdk.Result, error) {
	return sdk.PrintHTML(r.Config["page"], r.Config["base"]), nil
}
