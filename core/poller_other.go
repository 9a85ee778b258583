//go:build !linux

package core

import "log/slog"

// newPoller is a goroutine per socket: epoll is Linux's.
func newPoller(readable func(*bridgeConn), _ *slog.Logger) poller {
	return goroutinePoller{readable: readable}
}
