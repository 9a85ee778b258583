package store_test

import (
	"testing"

	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestMigrate_InstancesAtOnce opens a new database from several instances
// at once, as a fleet's first start does: one migrates, the others wait
// and find it done.
func TestMigrate_InstancesAtOnce(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			errs := make(chan error, 4)
			for range cap(errs) {
				go func() {
					s, err := store.Open(t.Context(), dsn)
					if err == nil {
						s.Close()
					}
					errs <- err
				}()
			}
			for range cap(errs) {
				if err := <-errs; err != nil {
					t.Errorf("an instance: %v", err)
				}
			}
		})
	}
}
