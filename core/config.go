package core

import (
	"cmp"
	"net/netip"
	"strings"
	"time"
)

// Config is the server's configuration; zero values mean the defaults.
type Config struct {
	// Listen is the address to serve on, e.g. ":8080".
	Listen string
	// Instance names this server among those sharing a database: a device
	// one instance hears is left alone by the others while it is heard.
	// "" is the host's name and the address served on, which stay the same
	// across restarts.
	Instance string
	// HTTP is how long a client may take and how many connections one
	// address may hold, on Listen.
	HTTP HTTPConfig
	// MetricsListen is an address of its own to serve /metrics on, with no
	// token, such as 127.0.0.1:9090; "" serves it nowhere else.
	MetricsListen string
	// MetricsToken serves /metrics on Listen too, to requests that carry
	// Authorization: Bearer MetricsToken. With neither, /metrics is not
	// served: the metrics are the operator's.
	MetricsToken string
	// PresenceTimeout is how long a device stays online without a word
	// (protocol.md, "Presence").
	PresenceTimeout time.Duration
	// BridgeIdleTimeout closes a bridge socket that has been silent this
	// long: the bridge sends no pings, so a half-open connection is only
	// noticed by silence, and a bridge with printers is never silent for
	// long (each heartbeats every 10 s).
	BridgeIdleTimeout time.Duration
	// BridgeFrameTimeout is how long a frame from a bridge may take to
	// arrive whole once it has begun: a real bridge's frames come in one
	// piece, and a socket whose frame does not is closed (bridge_read.go).
	BridgeFrameTimeout time.Duration
	// WriteTimeout bounds each write to a bridge.
	WriteTimeout time.Duration
	// SendQueue is how many frames may wait to be written to a bridge.
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
	// the store, store.TouchBatch devices at a time; Shutdown writes the
	// last of them.
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
	// Editions asked for through the API are prints. A client address may
	// try twice as many claim codes (and friend codes) as a user.
	PrintsPerMinute int
	ClaimsPerMinute int
	// PersonalitiesPerHour limits the personalities each user sends: four
	// pictures each, up to megabytes, kept in the history.
	PersonalitiesPerHour int
	// SubscriptionPreviewsPerMinute limits each user's previews of a
	// subscription's next edition: each is a render by its publication,
	// which may fetch from the network (news: five feeds).
	SubscriptionPreviewsPerMinute int
	// MinScheduleInterval is the shortest time between two editions of a
	// subscription this server allows, whatever its publication allows.
	MinScheduleInterval time.Duration
	// MaxPrinters is how many printers one account may have; claiming one
	// it has again (after a reset) always works.
	MaxPrinters int
	// FriendMessagesPerHour limits the messages friends send to each
	// printer, all friends together (the owner's own prints do not count):
	// the owner's paper is not for anyone to use up.
	FriendMessagesPerHour int
	// KeyPrintsPerHour is how many prints a print key takes an hour unless
	// its owner chose fewer or more; PrinterKeyPrintsPerHour how many a
	// printer takes through all its keys.
	KeyPrintsPerHour        int
	PrinterKeyPrintsPerHour int
	// SignInsPerMinute limits sign-in attempts per email; each client
	// address may make four times as many (sign-ups count there too).
	SignInsPerMinute int
	// SessionLifetime is how long a web session lasts unused.
	SessionLifetime time.Duration
	// SMTP sends password reset links by email; without its Host (or
	// without PublicURL) the forgotten-password page sends people to the
	// operator.
	SMTP SMTPConfig
	// PublicURL is the address people reach this server at, such as
	// https://paperboy.example.com: links in mails start with it, never
	// with a request's Host, which is the requester's to choose.
	PublicURL string
	// PasswordResetsPerHour limits the reset mails asked for each email;
	// each client address may ask for four times as many.
	PasswordResetsPerHour int
	// NoticesAllowPrivate lets owners' webhooks and push endpoints be on
	// loopback and private addresses (Home Assistant on a home network);
	// otherwise, as publications, they cannot reach into the server's own.
	NoticesAllowPrivate bool
	// Workers is how many goroutines handle bridge events that need the
	// store; each bridge's events go to one of them, in order.
	Workers int

	// goroutinePoller watches bridge sockets with a goroutine each, where
	// the system's poller would: for the tests, which run both.
	goroutinePoller bool
}

// Defaults, with their reasons.
const (
	DefaultListen             = ":8080"
	DefaultPresenceTimeout    = 60 * time.Second // protocol.md, "Presence"
	DefaultBridgeIdleTimeout  = 5 * time.Minute
	DefaultBridgeFrameTimeout = 10 * time.Second // a megabyte frame on a slow line
	DefaultWriteTimeout       = 30 * time.Second // a photo is a quarter megabyte
	DefaultSendQueue          = 16
	DefaultMaxFrameBytes      = 1 << 20 // a bridge's frames are small: events, logs
	DefaultMaxUploadBytes     = 10 << 20
	DefaultFlushEvery         = 30 * time.Second
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
	// DefaultKeyPrintsPerHour is a doorbell's busy day, or a script's
	// hourly report and some; DefaultPrinterKeyPrintsPerHour a paper
	// roll's patience with all of a printer's keys together.
	DefaultKeyPrintsPerHour        = 30
	DefaultPrinterKeyPrintsPerHour = 60
	DefaultWorkers                 = 8
	// DefaultPersonalitiesPerHour leaves room to try a few faces; each
	// personality is up to 4 MB stored.
	DefaultPersonalitiesPerHour = 10
	// DefaultSubscriptionPreviewsPerMinute is a page of settings changed
	// and looked at again, a few times a minute.
	DefaultSubscriptionPreviewsPerMinute = 10
	// DefaultMinScheduleInterval is cron's own resolution: a publication
	// says what makes sense for it (sdk.Meta.MinInterval).
	DefaultMinScheduleInterval = time.Minute
	// DefaultMaxPrinters is more than a household has; each printer is a
	// queue and a history kept.
	DefaultMaxPrinters      = 20
	DefaultSignInsPerMinute = 5 // enough for typos, too few to guess a password
	DefaultSessionLifetime  = 30 * 24 * time.Hour
	// DefaultPasswordResetsPerHour: a mail that went to spam, asked for
	// again; not a mailbox flooded.
	DefaultPasswordResetsPerHour = 3
	// PasswordResetLifetime is how long a reset link works: long enough
	// for a slow mail, short for one left in a mailbox.
	PasswordResetLifetime = time.Hour
)

// The budget for decoding pictures (see images.go).
const (
	// DefaultImageMemoryBytes is room for two of the largest pictures
	// codec decodes (codec.MaxImageBytes, 96 MB), or a dozen phone photos,
	// at once: on two cores more at once would only wait for the CPU.
	DefaultImageMemoryBytes = 256 << 20
	DefaultImageWait        = 10 * time.Second // a picture takes a second or two to decode
)

// Defaults of the HTTP edges, with their reasons.
const (
	// DefaultReadHeaderTimeout: a header is a few hundred bytes.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout lets the largest upload (DefaultMaxUploadBytes,
	// 10 MB) arrive over a phone's slow link, about 0.7 Mbit/s, and cuts a
	// body trickled to hold the connection.
	DefaultReadTimeout = 2 * time.Minute
	// DefaultHTTPWriteTimeout starts with the body (ReadTimeout), then
	// covers the handler, which may wait on a publication twice (a check
	// and a render, each bounded by the plugin host's timeout, 30 s), and
	// the answer.
	DefaultHTTPWriteTimeout = 4 * time.Minute
	// DefaultIdleTimeout: a browser reuses a connection within seconds of
	// its last page; an idle one costs the server a file descriptor.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxConnsPerAddress is far more than a household needs (a
	// bridge holds one socket, a browser six connections at most) and
	// bounds what one address can hold of the server's file descriptors.
	DefaultMaxConnsPerAddress = 64
)

// HTTPConfig is the edges of the HTTP server: its timeouts, which a
// bridge's socket is not held to once it is upgraded (it has its own,
// BridgeIdleTimeout and WriteTimeout), and the cap on connections.
type HTTPConfig struct {
	// ReadHeaderTimeout bounds reading a request's header.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, its body included: an
	// upload over a slow link must fit in it.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its header to the end
	// of its answer: the body's arrival, the handler (which may wait on a
	// publication) and the writing of the answer.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits this long for
	// its next request.
	IdleTimeout time.Duration
	// MaxConnsPerAddress caps the connections one client address (an IPv6
	// one by its /64) may hold open at once; a negative number, no cap.
	// Trusted proxies are not capped.
	MaxConnsPerAddress int
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed: a request from one is counted against
	// the client it names. Empty: no one's is.
	TrustedProxies []netip.Prefix
}

func (c Config) withDefaults() Config {
	c.Listen = cmp.Or(c.Listen, DefaultListen)
	c.PresenceTimeout = cmp.Or(c.PresenceTimeout, DefaultPresenceTimeout)
	c.BridgeIdleTimeout = cmp.Or(c.BridgeIdleTimeout, DefaultBridgeIdleTimeout)
	c.BridgeFrameTimeout = cmp.Or(c.BridgeFrameTimeout, DefaultBridgeFrameTimeout)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, DefaultWriteTimeout)
	c.FlushEvery = cmp.Or(c.FlushEvery, DefaultFlushEvery)
	c.SessionLifetime = cmp.Or(c.SessionLifetime, DefaultSessionLifetime)
	c.PasswordResetsPerHour = cmp.Or(c.PasswordResetsPerHour, DefaultPasswordResetsPerHour)
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	c.HTTP.ReadHeaderTimeout = cmp.Or(c.HTTP.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	c.HTTP.ReadTimeout = cmp.Or(c.HTTP.ReadTimeout, DefaultReadTimeout)
	c.HTTP.WriteTimeout = cmp.Or(c.HTTP.WriteTimeout, DefaultHTTPWriteTimeout)
	c.HTTP.IdleTimeout = cmp.Or(c.HTTP.IdleTimeout, DefaultIdleTimeout)
	c.HTTP.MaxConnsPerAddress = cmp.Or(c.HTTP.MaxConnsPerAddress, DefaultMaxConnsPerAddress)
	c.SendQueue = cmp.Or(c.SendQueue, DefaultSendQueue)
	c.MaxFrameBytes = cmp.Or(c.MaxFrameBytes, DefaultMaxFrameBytes)
	c.MaxUploadBytes = cmp.Or(c.MaxUploadBytes, DefaultMaxUploadBytes)
	c.ImageMemoryBytes = cmp.Or(c.ImageMemoryBytes, DefaultImageMemoryBytes)
	c.ImageWait = cmp.Or(c.ImageWait, DefaultImageWait)
	c.PrintsPerMinute = cmp.Or(c.PrintsPerMinute, DefaultPrintsPerMinute)
	c.FriendMessagesPerHour = cmp.Or(c.FriendMessagesPerHour, DefaultFriendMessagesPerHour)
	c.KeyPrintsPerHour = cmp.Or(c.KeyPrintsPerHour, DefaultKeyPrintsPerHour)
	c.PrinterKeyPrintsPerHour = cmp.Or(c.PrinterKeyPrintsPerHour, DefaultPrinterKeyPrintsPerHour)
	c.ClaimsPerMinute = cmp.Or(c.ClaimsPerMinute, DefaultClaimsPerMinute)
	c.PersonalitiesPerHour = cmp.Or(c.PersonalitiesPerHour, DefaultPersonalitiesPerHour)
	c.SubscriptionPreviewsPerMinute = cmp.Or(c.SubscriptionPreviewsPerMinute, DefaultSubscriptionPreviewsPerMinute)
	c.MaxPrinters = cmp.Or(c.MaxPrinters, DefaultMaxPrinters)
	c.MinScheduleInterval = cmp.Or(c.MinScheduleInterval, DefaultMinScheduleInterval)
	c.SignInsPerMinute = cmp.Or(c.SignInsPerMinute, DefaultSignInsPerMinute)
	c.MaxDevicesPerBridge = cmp.Or(c.MaxDevicesPerBridge, DefaultMaxDevicesPerBridge)
	c.BridgeMessagesPerSecond = cmp.Or(c.BridgeMessagesPerSecond, DefaultBridgeMessagesPerSecond)
	c.BridgeLogLinesPerMinute = cmp.Or(c.BridgeLogLinesPerMinute, DefaultBridgeLogLinesPerMinute)
	c.NewDevicesPerHour = cmp.Or(c.NewDevicesPerHour, DefaultNewDevicesPerHour)
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	return c
}
