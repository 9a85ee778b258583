package core

// WithGoroutinePoller has a server watch its bridge sockets with a
// goroutine each, as it does where there is no epoll: the tests run both.
func WithGoroutinePoller(c Config) Config {
	c.goroutinePoller = true
	return c
}
