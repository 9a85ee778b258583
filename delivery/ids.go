package delivery

import (
	"context"
	"sync"

	"paperboy/store"
)

// IDs hands out command ids: 32-bit, never 0, never repeated, also across
// restarts and instances. It reserves them from the store in blocks, so
// most calls do not touch the database; ids of a block not used before a
// restart are skipped, never reused.
type IDs struct {
	store *store.Store
	block int
	mu    sync.Mutex
	next  uint64 // the next id to give
	end   uint64 // one past the last reserved
}

// NewIDs makes an allocator reserving block ids at a time.
func NewIDs(s *store.Store, block int) *IDs {
	return &IDs{store: s, block: max(block, 1)}
}

// Next gives a fresh command id.
func (a *IDs) Next(ctx context.Context) (uint32, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next == a.end {
		first, err := a.store.ReserveCommandIDs(ctx, a.block)
		if err != nil {
			return 0, err
		}
		a.next, a.end = uint64(first), uint64(first)+uint64(a.block)
	}
	id := a.next
	a.next++
	return uint32(id), nil
}
