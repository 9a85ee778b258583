package sdk

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"runtime/debug"
	"time"
	_ "time/tzdata" // plugins know every IANA zone, whatever the machine has

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"paperboy/sdk/pluginpb"
)

// Handshake is what host and plugin check before they talk: a plugin
// binary run by hand says it must be run by paperboy.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "PAPERBOY_PLUGIN",
	MagicCookieValue: "publication",
}

// PluginName is the name of the publication plugin in a plugin set.
const PluginName = "publication"

// Serve runs a publication as a plugin: call it from main. It returns when
// the host ends the plugin.
func Serve(p Publication) {
	go exitWithParent(os.Getppid())
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: p}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}

// exitWithParent ends the plugin when the server that started it is gone
// (its parent changes), so a plugin never outlives a server that was
// killed.
func exitWithParent(ppid int) {
	for range time.Tick(time.Second) {
		if os.Getppid() != ppid {
			os.Exit(0)
		}
	}
}

// GRPCPlugin joins a Publication to go-plugin: the plugin side serves Impl,
// the host side gets a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Publication
}

// GRPCServer registers the publication's service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterPublicationServer(s, &server{pub: p.Impl})
	return nil
}

// GRPCClient gives the host a *Client.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pluginpb.NewPublicationClient(c)}, nil
}

// server is the plugin side of the protocol.
type server struct {
	pluginpb.UnimplementedPublicationServer
	pub Publication
}

func (s *server) Meta(context.Context, *pluginpb.MetaRequest) (*pluginpb.MetaResponse, error) {
	m := s.pub.Meta()
	if err := m.Check(); err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	return metaToWire(m), nil
}

func (s *server) Validate(ctx context.Context, r *pluginpb.ValidateRequest) (resp *pluginpb.ValidateResponse, err error) {
	defer recoverTo(&err)
	c, err := s.pub.Meta().CheckConfig(r.Config)
	if err == nil {
		err = s.pub.Validate(ctx, c)
	}
	resp = &pluginpb.ValidateResponse{}
	if fe, ok := err.(FieldErrors); ok {
		resp.FieldErrors = fe
		return resp, nil
	}
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	return resp, nil
}

func (s *server) Render(ctx context.Context, r *pluginpb.RenderRequest) (resp *pluginpb.RenderResponse, err error) {
	defer recoverTo(&err)
	m := s.pub.Meta()
	c, err := m.CheckConfig(r.Config)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil || r.TimeZone == "" {
		loc = time.FixedZone(r.TimeZone, int(r.UtcOffsetSeconds))
	}
	req := Request{Config: c, Time: time.UnixMilli(r.TimeUnixMillis).In(loc), Count: int(r.Count)}
	if p := r.Http; p != nil {
		req.HTTP = NewHTTPClient(HTTPPolicy{Timeout: time.Duration(p.TimeoutMillis) * time.Millisecond, MaxBytes: p.MaxBytes, AllowPrivate: p.AllowPrivate})
	} else {
		req.HTTP = NewHTTPClient(HTTPPolicy{})
	}
	if p := r.Push; p != nil {
		req.Push = &PushItem{Sender: p.Sender, Text: p.Text, Image: p.Image}
		if p.SentAtUnixMillis != 0 { // 0: not said
			req.Push.SentAt = time.UnixMilli(p.SentAtUnixMillis).In(loc)
		}
	}
	if m.Kind == Push && req.Push == nil {
		return nil, status.Error(codes.InvalidArgument, "a push publication renders only pushed content")
	}
	res, err := s.pub.Render(ctx, req)
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	switch {
	case res.NothingToday:
		return &pluginpb.RenderResponse{Outcome: &pluginpb.RenderResponse_NothingToday{NothingToday: true}}, nil
	case res.Finished != "":
		return &pluginpb.RenderResponse{Outcome: &pluginpb.RenderResponse_Finished{Finished: res.Finished}}, nil
	case res.HTML != "" && res.Document == nil && res.Image == nil:
		// The server renders it: with its engine (Chromium, if its
		// operator chose it), fetching under its policy.
		return &pluginpb.RenderResponse{Outcome: &pluginpb.RenderResponse_Html{Html: &pluginpb.HTMLEdition{Html: res.HTML, BaseUrl: res.BaseURL}}}, nil
	}
	img, err := RenderResult(res)
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pluginpb.RenderResponse{Outcome: &pluginpb.RenderResponse_Png{Png: buf.Bytes()}}, nil
}

// recoverTo turns a panic of the publication into an error that says so,
// so one bad edition does not take the plugin down.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = status.Errorf(codes.Internal, "the publication crashed: %v\n%s", r, debug.Stack())
	}
}

func metaToWire(m Meta) *pluginpb.MetaResponse {
	out := &pluginpb.MetaResponse{Name: m.Name, Title: m.Title, Description: m.Description, Author: m.Author,
		Kind: string(m.Kind), Personal: m.Personal, Schedule: m.Schedule, MinIntervalSeconds: int64(m.MinInterval / time.Second)}
	for _, d := range m.Days {
		out.Days = append(out.Days, int32(d))
	}
	for _, f := range m.Fields {
		wf := &pluginpb.Field{Name: f.Name, Label: f.Label, Help: f.Help, Type: string(f.Type), DefaultValue: f.Default,
			Required: f.Required, Min: f.Min, Max: f.Max, MaxLength: int32(f.MaxLength), Example: f.Example}
		for _, c := range f.Choices {
			wf.Choices = append(wf.Choices, &pluginpb.Choice{Value: c.Value, Label: c.Label})
		}
		out.Fields = append(out.Fields, wf)
	}
	return out
}

func metaFromWire(w *pluginpb.MetaResponse) Meta {
	m := Meta{Name: w.Name, Title: w.Title, Description: w.Description, Author: w.Author, Kind: Kind(w.Kind), Personal: w.Personal,
		Schedule: w.Schedule, MinInterval: time.Duration(min(max(w.MinIntervalSeconds, 0), 366*24*3600)) * time.Second}
	for _, d := range w.Days {
		m.Days = append(m.Days, time.Weekday(d))
	}
	for _, f := range w.Fields {
		mf := Field{Name: f.Name, Label: f.Label, Help: f.Help, Type: FieldType(f.Type), Default: f.DefaultValue,
			Required: f.Required, Min: f.Min, Max: f.Max, MaxLength: int(f.MaxLength), Example: f.Example}
		for _, c := range f.Choices {
			mf.Choices = append(mf.Choices, Choice{Value: c.Value, Label: c.Label})
		}
		m.Fields = append(m.Fields, mf)
	}
	return m
}

// Client is the host's side of a running plugin.
type Client struct {
	rpc pluginpb.PublicationClient
}

// Meta asks the plugin for its Meta, and checks it.
func (c *Client) Meta(ctx context.Context) (Meta, error) {
	w, err := c.rpc.Meta(ctx, &pluginpb.MetaRequest{})
	if err != nil {
		return Meta{}, err
	}
	m := metaFromWire(w)
	if err := m.Check(); err != nil {
		return Meta{}, fmt.Errorf("the plugin describes itself wrongly: %w", err)
	}
	return m, nil
}

// Validate asks the plugin whether a config is good: nil, or FieldErrors.
func (c *Client) Validate(ctx context.Context, cfg Config) error {
	w, err := c.rpc.Validate(ctx, &pluginpb.ValidateRequest{Config: cfg})
	if err != nil {
		return err
	}
	if len(w.FieldErrors) > 0 {
		return FieldErrors(w.FieldErrors)
	}
	return nil
}

// RenderArgs is what the host asks a plugin to render.
type RenderArgs struct {
	Config Config
	Time   time.Time // with the subscriber's location
	Count  int
	Push   *PushItem
	HTTP   HTTPPolicy
	// LastETag is the ETag of the subscription's last printed edition,
	// for publications that send ETags (URL publications): an edition
	// with the same one is nothing new. Not sent to plugins.
	LastETag string
	// Sample asks for the publication's sample rather than an edition:
	// a URL publication has its own (/sample/). Plugins render their
	// sample as an edition for the args.
	Sample bool
}

// Output is a plugin's answer to Render: the edition as a PNG, or nothing
// today, or the end of the subscription.
type Output struct {
	PNG []byte
	// HTML is an edition as a web page, for the host to render (into PNG)
	// against BaseURL.
	HTML         []byte
	BaseURL      string
	NothingToday bool
	Finished     string
	// ETag names the edition, for publications that send ETags: the
	// scheduler keeps it as the subscription's LastETag once it is queued.
	ETag string
}

// Render asks the plugin for an edition.
func (c *Client) Render(ctx context.Context, a RenderArgs) (Output, error) {
	req := &pluginpb.RenderRequest{
		Config: a.Config, TimeUnixMillis: a.Time.UnixMilli(), TimeZone: a.Time.Location().String(), Count: int32(a.Count),
		Http: &pluginpb.HTTPPolicy{TimeoutMillis: a.HTTP.Timeout.Milliseconds(), MaxBytes: a.HTTP.MaxBytes, AllowPrivate: a.HTTP.AllowPrivate},
	}
	if a.Time.Location() == time.Local {
		req.TimeZone = "Local"
	}
	_, offset := a.Time.Zone()
	req.UtcOffsetSeconds = int32(offset)
	if p := a.Push; p != nil {
		req.Push = &pluginpb.PushItem{Sender: p.Sender, Text: p.Text, Image: p.Image}
		if !p.SentAt.IsZero() {
			req.Push.SentAtUnixMillis = p.SentAt.UnixMilli()
		}
	}
	w, err := c.rpc.Render(ctx, req, grpc.MaxCallRecvMsgSize(32<<20))
	if err != nil {
		return Output{}, err
	}
	switch o := w.Outcome.(type) {
	case *pluginpb.RenderResponse_Png:
		return Output{PNG: o.Png}, nil
	case *pluginpb.RenderResponse_NothingToday:
		return Output{NothingToday: true}, nil
	case *pluginpb.RenderResponse_Finished:
		return Output{Finished: o.Finished}, nil
	case *pluginpb.RenderResponse_Html:
		if o.Html == nil || o.Html.Html == "" {
			return Output{}, fmt.Errorf("the plugin answered Render with an empty HTML edition")
		}
		return Output{HTML: []byte(o.Html.Html), BaseURL: o.Html.BaseUrl}, nil
	}
	return Output{}, fmt.Errorf("the plugin answered Render with no outcome")
}
