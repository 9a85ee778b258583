package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_Push(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.UnixMilli(1_700_000_000_000).UTC()
		s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		p, err := s.Claim(ctx, store.Claim{UserID: ann.ID, HardwareXor: 1, Secret: 2})
		if err != nil {
			t.Fatal(err)
		}
		pushID := strings.Repeat("ab", 20)
		bad := []struct {
			name string
			n    store.NewSubscription
		}{
			{"a push subscription with a schedule", store.NewSubscription{PrinterID: p.ID, Publication: "pushy", Schedule: "0 8 * * *", PushID: "x"}},
			{"a scheduled one without", store.NewSubscription{PrinterID: p.ID, Publication: "news"}},
		}
		for _, tt := range bad {
			if _, err := s.CreateSubscription(ctx, tt.n); err == nil {
				t.Errorf("%s: made", tt.name)
			}
		}
		sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "pushy", PushID: pushID, Mode: store.ModeNow})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "pushy", PushID: pushID}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a push id twice: %v, want ErrConflict", err)
		}
		got, err := s.SubscriptionByPushID(ctx, pushID)
		if err != nil || got.ID != sub.ID || got.PushID != pushID || !got.NextAt.IsZero() {
			t.Fatalf("SubscriptionByPushID: %+v, %v", got, err)
		}
		// Never due: not after a change, a resume, or a zone change.
		mode := store.ModeButton
		if _, err := s.UpdateSubscription(ctx, sub.ID, store.SubscriptionUpdate{Mode: &mode}); err != nil {
			t.Fatal(err)
		}
		s.PauseSubscription(ctx, sub.ID, true)
		s.PauseSubscription(ctx, sub.ID, false)
		if due, err := s.DueSubscriptions(ctx, clock.Add(24*time.Hour), store.Subscription{}, 10); err != nil || len(due) != 0 {
			t.Errorf("due: %+v, %v; a push subscription is never due", due, err)
		}

		c := store.PublicationCredentials{Publication: "pushy", ConsumerKey: "ck", ConsumerSecret: "cs", Token: "tk", TokenSecret: "ts", BearerHash: "bh"}
		if err := s.SetPublicationCredentials(ctx, c); err != nil {
			t.Fatal(err)
		}
		for _, by := range [][2]string{{"consumer_key", "ck"}, {"bearer_hash", "bh"}, {"publication", "pushy"}} {
			if got, err := s.PublicationCredentialsBy(ctx, by[0], by[1]); err != nil || got != c {
				t.Errorf("by %s: %+v, %v", by[0], got, err)
			}
		}
		c.ConsumerKey, c.BearerHash = "ck2", "bh2"
		if err := s.SetPublicationCredentials(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublicationCredentialsBy(ctx, "consumer_key", "ck"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("old credentials still found: %v", err)
		}

		d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "edition", Command: 1, Payload: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPush(ctx, d.ID, sub.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := s.WaitingPushes(ctx, sub.ID); err != nil || n != 1 {
			t.Errorf("WaitingPushes %d, %v; want 1", n, err)
		}
		if got, err := s.PushedDelivery(ctx, sub.ID, d.ID); err != nil || got.ID != d.ID {
			t.Errorf("PushedDelivery: %+v, %v", got, err)
		}
		other, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{1}})
		if _, err := s.PushedDelivery(ctx, sub.ID, other.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a delivery not pushed: %v, want ErrNotFound", err)
		}
		if err := s.DeleteSubscription(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubscriptionByPushID(ctx, pushID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after unsubscribing: %v", err)
		}
	})
}
