package core

import (
	"time"

	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/scheduler"
)

// Config is the server's configuration; zero values mean the defaults.
type Config struct {
	// Listen is the address to serve on, e.g. ":8080".
	Listen string
	// PresenceTimeout is how long a device stays online without a word
	// (protocol.md, "Presence").
	PresenceTimeout time.Duration
	// BridgeIdleTimeout closes a bridge socket that has been silent this
	// long: the bridge sends no pings, so a half-open connection is only
	// noticed by silence, and a bridge with printers is never silent for
	// long (each heartbeats every 10 s).
	BridgeIdleTimeout time.Duration
	// WriteTimeout bounds each write to a bridge.
	WriteTimeout time.Duration
	// SendQueue is how many frames may wait for a bridge's writer.
	SendQueue int
	// MaxFrameBytes bounds a frame from a bridge.
	MaxFrameBytes int64
	// MaxUploadBytes bounds an uploaded picture or a request body.
	MaxUploadBytes int64
	// ImageMemoryBytes bounds the memory the uploaded pictures being
	// decoded at once may take, all together (see images.go); a picture
	// that would pass it waits for others to finish, up to ImageWait, and
	// is then answered 503. One larger than it all is decoded alone.
	ImageMemoryBytes int64
	ImageWait        time.Duration
	// FlushEvery is how often heartbeats (last seen, uptime) are written to
	// the store, in one batch.
	FlushEvery time.Duration
	// MaxDevicesPerBridge is how many devices one bridge socket may speak
	// for: a real bridge has a few printers.
	MaxDevicesPerBridge int
	// BridgeMessagesPerSecond is how many messages a bridge socket may send
	// a second, with as many in a burst; a socket that sends more is read
	// no faster. A real bridge sends one every few seconds per printer.
	BridgeMessagesPerSecond int
	// BridgeLogLinesPerMinute bounds the log lines about one bridge socket;
	// more are dropped (and counted).
	BridgeLogLinesPerMinute int
	// NewDevicesPerHour is how many devices never seen before the sockets
	// of one client address may add to the store an hour.
	NewDevicesPerHour int
	// PrintsPerMinute and ClaimsPerMinute limit each user; over it, 429.
	PrintsPerMinute int
	ClaimsPerMinute int
	// FriendMessagesPerHour limits the messages friends send to each
	// printer, all friends together (the owner's own prints do not count):
	// the owner's paper is not for anyone to use up.
	FriendMessagesPerHour int
	// SignInsPerMinute limits sign-in attempts per email; each client
	// address may make four times as many (sign-ups count there too).
	SignInsPerMinute int
	// SessionLifetime is how long a web session lasts unused.
	SessionLifetime time.Duration
	// Workers is how many goroutines handle bridge events that need the
	// store; each bridge's events go to one of them, in order.
	Workers  int
	Delivery delivery.Config
	// Publications are the plugins editions and messages are made with;
	// nil runs the server without them (and without the scheduler).
	Publications *plugins.Host
	// Scheduler makes the subscriptions' editions at their hours.
	Scheduler scheduler.Config
}

// Defaults, with their reasons.
const (
	DefaultListen            = ":8080"
	DefaultPresenceTimeout   = 60 * time.Second // protocol.md, "Presence"
	DefaultBridgeIdleTimeout = 5 * time.Minute
	DefaultWriteTimeout      = 30 * time.Second // a photo is a quarter megabyte
	DefaultSendQueue         = 16
	DefaultMaxFrameBytes     = 1 << 20 // a bridge's frames are small: events, logs
	DefaultMaxUploadBytes    = 10 << 20
	DefaultFlushEvery        = 30 * time.Second
	// A bridge carries a handful of printers; these are far above what one
	// sends, and far below what floods a server.
	DefaultMaxDevicesPerBridge     = 32
	DefaultBridgeMessagesPerSecond = 100 // 32 printers each printing a note a second send 64
	DefaultBridgeLogLinesPerMinute = 30
	// DefaultNewDevicesPerHour: a household meets a new printer address
	// only when a printer is new or reset; many bridges behind one address
	// after a restart are no new devices.
	DefaultNewDevicesPerHour = 100
	DefaultPrintsPerMinute   = 30
	DefaultClaimsPerMinute   = 10 // claim codes are guessable only by trying many
	// DefaultFriendMessagesPerHour is a busy day's worth of notes, not a
	// roll of paper.
	DefaultFriendMessagesPerHour = 20
	DefaultWorkers               = 8
	DefaultSignInsPerMinute      = 5 // enough for typos, too few to guess a password
	DefaultSessionLifetime       = 30 * 24 * time.Hour
)

// The budget for decoding pictures (see images.go).
const (
	// DefaultImageMemoryBytes is room for two of the largest pictures
	// codec decodes (codec.MaxImageBytes, 96 MB), or a dozen phone photos,
	// at once: on two cores more at once would only wait for the CPU.
	DefaultImageMemoryBytes = 256 << 20
	DefaultImageWait        = 10 * time.Second // a picture takes a second or two to decode
)

func (c Config) withDefaults() Config {
	set := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	set(&c.PresenceTimeout, DefaultPresenceTimeout)
	set(&c.BridgeIdleTimeout, DefaultBridgeIdleTimeout)
	set(&c.WriteTimeout, DefaultWriteTimeout)
	set(&c.FlushEvery, DefaultFlushEvery)
	set(&c.SessionLifetime, DefaultSessionLifetime)
	if c.SendQueue == 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.MaxFrameBytes == 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.MaxUploadBytes == 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if c.ImageMemoryBytes == 0 {
		c.ImageMemoryBytes = DefaultImageMemoryBytes
	}
	set(&c.ImageWait, DefaultImageWait)
	if c.PrintsPerMinute == 0 {
		c.PrintsPerMinute = DefaultPrintsPerMinute
	}
	if c.FriendMessagesPerHour == 0 {
		c.FriendMessagesPerHour = DefaultFriendMessagesPerHour
	}
	if c.ClaimsPerMinute == 0 {
		c.ClaimsPerMinute = DefaultClaimsPerMinute
	}
	if c.SignInsPerMinute == 0 {
		c.SignInsPerMinute = DefaultSignInsPerMinute
	}
	if c.MaxDevicesPerBridge == 0 {
		c.MaxDevicesPerBridge = DefaultMaxDevicesPerBridge
	}
	if c.BridgeMessagesPerSecond == 0 {
		c.BridgeMessagesPerSecond = DefaultBridgeMessagesPerSecond
	}
	if c.BridgeLogLinesPerMinute == 0 {
		c.BridgeLogLinesPerMinute = DefaultBridgeLogLinesPerMinute
	}
	if c.NewDevicesPerHour == 0 {
		c.NewDevicesPerHour = DefaultNewDevicesPerHour
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	return c
}
