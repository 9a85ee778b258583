package store_test

import (
	"errors"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestStore_Notices raises each kind of notice where it happens, and
// checks who is told of what, once, and how the sends are made.
func TestStore_Notices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.UnixMilli(1_700_000_000_000).UTC()
		s.Now = func() time.Time { return clock }
		tick := func(d time.Duration) { clock = clock.Add(d) }
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		bob, _ := s.CreateUser(ctx, "bob@example.com")
		if err := s.SetUserName(ctx, bob.ID, "Bob"); err != nil {
			t.Fatal(err)
		}
		p, err := s.Claim(ctx, store.Claim{UserID: ann.ID, HardwareXor: 7, Secret: 9, Name: "Kitchen"})
		if err != nil {
			t.Fatal(err)
		}
		claim, err := s.NewestClaim(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeviceSeen(ctx, "000d6f0000000007", 7, "bridge"); err != nil {
			t.Fatal(err)
		}
		if err := s.AttachDevice(ctx, claim, "000d6f0000000007"); err != nil {
			t.Fatal(err)
		}
		kinds := func(userID int64) []string {
			t.Helper()
			ns, err := s.Notices(ctx, userID, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.Kind+":"+n.Subject+":"+n.Detail)
			}
			return out
		}
		want := func(name string, userID int64, w ...string) {
			t.Helper()
			got := kinds(userID)
			if len(got) != len(w) {
				t.Fatalf("%s: notices %q, want %q (newest first)", name, got, w)
			}
			for i := range w {
				if got[i] != w[i] {
					t.Fatalf("%s: notices %q, want %q (newest first)", name, got, w)
				}
			}
		}

		steps := []struct {
			name string
			do   func() error
			user int64
			want string // the newest notice, "" for none new
		}{
			{"a print fails", func() error {
				d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message"})
				if err != nil {
					return err
				}
				return s.MarkFailed(ctx, d.ID, 3, "out of paper")
			}, ann.ID, "print_failed:Kitchen:out of paper"},
			{"a failed print is recorded", func() error {
				_, err := s.CreateFailedDelivery(ctx, p.ID, "edition", "news: the publication answered 500")
				return err
			}, ann.ID, "print_failed:Kitchen:news: the publication answered 500"},
			{"two prints expire", func() error {
				for range 2 {
					if _, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", ExpiresAt: clock.Add(time.Minute)}); err != nil {
						return err
					}
				}
				tick(2 * time.Minute)
				n, err := s.ExpireDue(ctx, clock)
				if err == nil && n != 2 {
					err = errors.New("not two expired")
				}
				return err
			}, ann.ID, "print_expired:Kitchen:2"},
			{"nothing to expire", func() error { _, err := s.ExpireDue(ctx, clock); return err }, ann.ID, ""},
			{"a subscription ends", func() error {
				sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "miniseries", Schedule: "0 8 * * *"})
				if err != nil {
					return err
				}
				if err := s.EndSubscription(ctx, sub.ID, "the publication has ended"); err != nil {
					return err
				}
				return s.EndSubscription(ctx, sub.ID, "again") // no second notice
			}, ann.ID, "subscription_ended:miniseries:the publication has ended"},
			{"a friend adds ann", func() error { return s.AddFriendship(ctx, bob.ID, ann.ID) }, ann.ID, "friend_added:Bob:"},
			{"a key's first print", func() error {
				k, err := s.CreatePrintKey(ctx, store.PrintKey{PrinterID: p.ID, Name: "Home Assistant", CodeHash: "h1", Hint: "ab"})
				if err != nil {
					return err
				}
				if err := s.PrintKeyUsed(ctx, k.ID, "hass"); err != nil {
					return err
				}
				return s.PrintKeyUsed(ctx, k.ID, "hass") // not its first
			}, ann.ID, "key_first_use:Home Assistant:hass"},
			{"the printer is quiet a day", func() error {
				tick(23 * time.Hour)
				if n, err := s.RaiseOfflineNotices(ctx, clock); err != nil || n != 0 {
					return errors.New("told too soon")
				}
				tick(2 * time.Hour)
				for range 2 { // once however often it is asked
					if _, err := s.RaiseOfflineNotices(ctx, clock); err != nil {
						return err
					}
				}
				return nil
			}, ann.ID, "printer_offline:Kitchen:1700000000000"}, // when it was last heard of
		}
		seen := 0
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			got := kinds(st.user)
			if st.want == "" {
				if len(got) != seen {
					t.Fatalf("%s: notices %q, want none new", st.name, got)
				}
				continue
			}
			if len(got) != seen+1 || got[0] != st.want {
				t.Fatalf("%s: notices %q, want %q new", st.name, got, st.want)
			}
			seen++
		}
		want("bob is told nothing", bob.ID)

		// The count, reading, and a kind taken off the list.
		if n, err := s.UnreadNotices(ctx, ann.ID); err != nil || n != seen {
			t.Errorf("unread: %d, %v; want %d", n, err, seen)
		}
		all, _ := s.Notices(ctx, ann.ID, 0, 50)
		if err := s.MarkNoticesRead(ctx, ann.ID, all[1].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadNotices(ctx, ann.ID); n != 1 {
			t.Errorf("unread after reading all but the newest: %d, want 1", n)
		}
		if err := s.SetNoticePrefs(ctx, ann.ID, map[string]store.Channels{store.NoticePrintFailed: store.ChannelWebhook}); err != nil {
			t.Fatal(err)
		}
		if got := kinds(ann.ID); len(got) != seen-2 {
			t.Errorf("with print_failed off the list: %q", got)
		}
		prefs, err := s.NoticePrefs(ctx, ann.ID)
		if err != nil || prefs[store.NoticePrintFailed] != store.ChannelWebhook || prefs[store.NoticeFriendAdded] != store.AllChannels {
			t.Errorf("prefs: %v, %v", prefs, err)
		}

		// Fan-out: those raised so far go nowhere (no endpoint, no
		// webhook); then one of each.
		if n, err := s.FanOutNotices(ctx, 100); err != nil || n != int64(seen) {
			t.Fatalf("fan out: %d, %v; want %d", n, err, seen)
		}
		e, err := s.AddPushEndpoint(ctx, store.PushEndpoint{UserID: ann.ID, Endpoint: "https://push.example/1", P256dh: "k", Auth: "a", Agent: "Firefox"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetWebhook(ctx, store.Webhook{UserID: ann.ID, URL: "https://hooks.example/old", Secret: "s3cret"}); err != nil {
			t.Fatal(err)
		}
		// A new address keeps the secret the receiver checks.
		if err := s.SetWebhook(ctx, store.Webhook{UserID: ann.ID, URL: "https://hooks.example/x", Secret: "other"}); err != nil {
			t.Fatal(err)
		}
		if wh, err := s.WebhookOf(ctx, ann.ID); err != nil || wh.URL != "https://hooks.example/x" || wh.Secret != "s3cret" {
			t.Fatalf("the webhook after a new address: %+v, %v; want the new address and the first secret", wh, err)
		}
		if err := s.RaiseTestNotice(ctx, ann.ID); err != nil {
			t.Fatal(err)
		}
		d, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message"})
		if err := s.MarkFailed(ctx, d.ID, 3, "jammed"); err != nil { // webhook only, by ann's prefs
			t.Fatal(err)
		}
		if err := s.AddFriendship(ctx, ann.ID, bob.ID); err == nil {
			t.Fatal("friends twice")
		}
		if n, err := s.FanOutNotices(ctx, 100); err != nil || n != 2 {
			t.Fatalf("fan out: %d, %v; want 2", n, err)
		}
		if n, _ := s.FanOutNotices(ctx, 100); n != 0 {
			t.Fatalf("fanned out twice: %d", n)
		}
		sends, err := s.ClaimNoticeSends(ctx, clock, time.Minute, 10)
		if err != nil || len(sends) != 2 {
			t.Fatalf("claimed %d, %v; want 2 (test and failed, to the webhook)", len(sends), err)
		}
		for _, ns := range sends {
			if ns.Channel != "webhook" || ns.Webhook.Secret != "s3cret" || ns.Attempts != 1 {
				t.Errorf("send: %+v", ns)
			}
		}
		if again, _ := s.ClaimNoticeSends(ctx, clock, time.Minute, 10); len(again) != 0 {
			t.Errorf("claimed twice within the lease: %d", len(again))
		}
		if err := s.NoticeSendDone(ctx, sends[0].ID, 200, "https://hooks.example/x", nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := s.NoticeSendDone(ctx, sends[1].ID, 500, "https://hooks.example/x", errors.New("500 Internal Server Error"), clock.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		tick(30 * time.Second)
		retry, err := s.ClaimNoticeSends(ctx, clock, time.Minute, 10)
		if err != nil || len(retry) != 1 || retry[0].ID != sends[1].ID || retry[0].Attempts != 2 {
			t.Fatalf("retry: %+v, %v", retry, err)
		}
		log, err := s.WebhookLog(ctx, ann.ID, 10)
		if err != nil || len(log) != 2 || log[1].State != store.SendSent || log[0].LastStatus != 500 || log[0].State != store.SendPending {
			t.Errorf("webhook log: %+v, %v", log, err)
		}

		// A push send whose endpoint went is ended, not sent.
		if err := s.AddFriendship(ctx, bob.ID, ann.ID); err == nil {
			t.Fatal("friends twice")
		}
		s.RemoveFriendship(ctx, ann.ID, bob.ID)
		if err := s.AddFriendship(ctx, bob.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		s.FanOutNotices(ctx, 100)
		if err := s.DeletePushEndpoint(ctx, ann.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePushEndpoint(ctx, bob.ID, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting again: %v", err)
		}
		tick(2 * time.Minute)
		got, err := s.ClaimNoticeSends(ctx, clock, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range got {
			if ns.Channel == "push" {
				t.Errorf("a send to a removed endpoint: %+v", ns)
			}
		}

		// The server's keys: made once.
		k1, err := s.ServerKey(ctx, "vapid", func() (string, error) { return "one", nil })
		if err != nil {
			t.Fatal(err)
		}
		k2, _ := s.ServerKey(ctx, "vapid", func() (string, error) { return "two", nil })
		if k1 != "one" || k2 != "one" {
			t.Errorf("server key: %q then %q", k1, k2)
		}
		if err := s.SetOfflineNotice(ctx, p.ID, 2*time.Hour); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PrinterByID(ctx, p.ID); err != nil || got.OfflineNotice != 2*time.Hour {
			t.Errorf("offline notice: %v, %v", got.OfflineNotice, err)
		}
	})
}

// TestStore_FailingNotice tells an owner once per run of failed editions
// that spans FailingDays, and again after a good one ends a run.
func TestStore_FailingNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		p, err := s.Claim(ctx, store.Claim{UserID: ann.ID, HardwareXor: 7, Secret: 9, Name: "Kitchen"})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news", Schedule: "0 8 * * *"})
		if err != nil {
			t.Fatal(err)
		}
		day := 0
		steps := []struct {
			outcome string
			told    int // notices so far
		}{
			{store.OutcomeFailed, 0}, {store.OutcomeFailed, 0}, {store.OutcomeFailed, 1}, // three days running
			{store.OutcomeFailed, 1},                                                     // the same run: not again
			{store.OutcomeNothingToday, 1},                                               // a good day ends it
			{store.OutcomeFailed, 1}, {store.OutcomeFailed, 1}, {store.OutcomeFailed, 2}, // a new run
		}
		for i, st := range steps {
			due := time.Date(2026, 12, 1+day, 8, 0, 0, 0, time.UTC)
			day++
			e, _, err := s.ClaimEdition(ctx, sub.ID, due.Format(store.LocalMomentLayout), due, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishEdition(ctx, e, store.EditionResult{Outcome: st.outcome, Reason: "news: 500"}); err != nil {
				t.Fatal(err)
			}
			ns, err := s.Notices(ctx, ann.ID, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != st.told {
				t.Fatalf("step %d (%s): %d notices, want %d", i, st.outcome, len(ns), st.told)
			}
			if len(ns) > 0 && (ns[0].Kind != store.NoticePublicationFailing || ns[0].Subject != "news" || ns[0].Detail != "3") {
				t.Errorf("step %d: %+v", i, ns[0])
			}
		}
	})
}
