// A plugin that speaks the protocol but answers Render with bytes that are
// not a picture, and with a PNG of the wrong width when the config asks.
// For the host's and the server's fault tests.
package main

import (
	"bytes"
	"context"
	"image"
	"image/png"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"paperboy/sdk"
	"paperboy/sdk/pluginpb"
)

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

type grpcPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterPublicationServer(s, garbage{})
	return nil
}

func (grpcPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, nil
}

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: sdk.Handshake,
		Plugins:         plugin.PluginSet{sdk.PluginName: grpcPlugin{}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
