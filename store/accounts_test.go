package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_PasswordResets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		now := time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		ann, _ := s.CreateUserWithPassword(ctx, "ann@example.com", "old")
		bob, _ := s.CreateUserWithPassword(ctx, "bob@example.com", "bobs")
		for _, id := range []string{"ann1", "ann2"} {
			if _, err := s.CreateSession(ctx, id, ann.ID, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		s.CreateSession(ctx, "bob1", bob.ID, now.Add(time.Hour))
		for _, r := range []struct {
			user int64
			hash string
			ttl  time.Duration
		}{{ann.ID, "a", time.Hour}, {ann.ID, "b", time.Hour}, {ann.ID, "late", time.Minute}, {bob.ID, "bob", time.Hour}} {
			if err := s.CreatePasswordReset(ctx, r.user, r.hash, now.Add(r.ttl)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreatePasswordReset(ctx, ann.ID, "a", now.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same hash again: err=%v, want ErrConflict", err)
		}
		if err := s.CreatePasswordReset(ctx, 99999, "x", now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a reset of no user: err=%v, want ErrNotFound", err)
		}
		if u, err := s.PasswordResetUser(ctx, "a"); err != nil || u.ID != ann.ID {
			t.Fatalf("PasswordResetUser(a)=%+v, %v", u, err)
		}

		now = now.Add(2 * time.Minute) // "late" has expired
		steps := []struct {
			name, hash string
			wantErr    error
		}{
			{"expired", "late", store.ErrNotFound},
			{"unknown", "nope", store.ErrNotFound},
			{"valid", "a", nil},
			{"used", "a", store.ErrNotFound},
			{"another of the same user, spent by the first", "b", store.ErrNotFound},
		}
		for _, st := range steps {
			if _, err := s.PasswordResetUser(ctx, st.hash); !errors.Is(err, st.wantErr) {
				t.Errorf("%s: PasswordResetUser err=%v, want %v", st.name, err, st.wantErr)
			}
			u, err := s.ResetPassword(ctx, st.hash, "new-"+st.hash)
			if !errors.Is(err, st.wantErr) || err == nil && u.ID != ann.ID {
				t.Errorf("%s: ResetPassword=%+v, %v; want %v", st.name, u, err, st.wantErr)
			}
		}
		if _, hash, _ := s.UserPassword(ctx, "ann@example.com"); hash != "new-a" {
			t.Errorf("after the reset the hash is %q", hash)
		}
		for id, want := range map[string]error{"ann1": store.ErrNotFound, "ann2": store.ErrNotFound, "bob1": nil} {
			if _, _, err := s.SessionByID(ctx, id); !errors.Is(err, want) {
				t.Errorf("session %s after ann's reset: err=%v, want %v", id, err, want)
			}
		}
		if _, err := s.PasswordResetUser(ctx, "bob"); err != nil {
			t.Errorf("bob's link after ann's reset: %v", err)
		}

		// A change from a session keeps it, ends the others, spends the
		// links.
		s.CreateSession(ctx, "bob2", bob.ID, now.Add(time.Hour))
		if err := s.ChangePassword(ctx, bob.ID, "bobs", "bob2"); err != nil { // the same hash: MySQL changes no row
			t.Fatal(err)
		}
		for id, want := range map[string]error{"bob1": store.ErrNotFound, "bob2": nil} {
			if _, _, err := s.SessionByID(ctx, id); !errors.Is(err, want) {
				t.Errorf("session %s after bob's change: err=%v, want %v", id, err, want)
			}
		}
		if _, err := s.PasswordResetUser(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob's link after his change: err=%v, want ErrNotFound", err)
		}
		// Of two uses of one link at once, one wins.
		s.CreatePasswordReset(ctx, bob.ID, "race", now.Add(time.Hour))
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := s.ResetPassword(ctx, "race", "raced")
				errs <- err
			}()
		}
		if e1, e2 := <-errs, <-errs; (e1 == nil) == (e2 == nil) || !errors.Is(e1, store.ErrNotFound) && !errors.Is(e2, store.ErrNotFound) {
			t.Errorf("two uses at once: %v and %v; want one to win", e1, e2)
		}
		if err := s.ChangePassword(ctx, 99999, "x", ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ChangePassword of no user: err=%v, want ErrNotFound", err)
		}
		now = now.Add(time.Hour)
		if n, err := s.PrunePasswordResets(ctx, now); err != nil || n != 5 {
			t.Errorf("PrunePasswordResets=%d, %v; want 5", n, err)
		}
	})
}

// userTables are where rows of a user are found, by the column that names
// them, directly or through their printers and subscriptions. Every table
// of the schema is here or in otherTables: a new one must be added to
// one, and DeleteUser checked against it.
var userTables = map[string]string{
	"users":            "id = :user",
	"api_tokens":       "user_id = :user",
	"sessions":         "user_id = :user",
	"password_resets":  "user_id = :user",
	"friend_codes":     "user_id = :user",
	"friendships":      "user_id = :user OR friend_id = :user",
	"printers":         "owner_id = :user",
	"claim_codes":      "user_id = :user OR printer_id IN (:printers)",
	"printer_friends":  "friend_id = :user OR printer_id IN (:printers)",
	"printer_events":   "printer_id IN (:printers)",
	"deliveries":       "printer_id IN (:printers) OR sender = :email",
	"subscriptions":    "printer_id IN (:printers)",
	"edition_claims":   "subscription_id IN (:subs)",
	"push_deliveries":  "subscription_id IN (:subs)",
	"print_keys":       "printer_id IN (:printers)",
	"url_publications": "owner_id = :user",
	"notices":          "user_id = :user OR printer_id IN (:printers)",
	"notice_prefs":     "user_id = :user",
	"notice_sends":     "user_id = :user",
	"push_endpoints":   "user_id = :user",
	"webhooks":         "user_id = :user",
}

// otherTables hold nothing of a user's: the hardware (released, checked
// apart), the operator's and the server's own.
var otherTables = []string{"bridges", "devices", "counters", "zone_rules", "publication_credentials", "schema_migrations", "server_keys"}

func TestStore_DeleteUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tables, err := s.TablesForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range tables {
			if _, ok := userTables[name]; !ok && !slices.Contains(otherTables, name) {
				t.Errorf("table %s is in neither userTables nor otherTables: does deleting a user clear it?", name)
			}
		}

		ann, _ := s.CreateUserWithPassword(ctx, "ann@example.com", "h")
		bob, _ := s.CreateUserWithPassword(ctx, "bob@example.com", "h")
		// Ann and Bob each get the same things, so Bob's show the check
		// would see a row of Ann's.
		type made struct {
			printer, sub int64
			device       string
		}
		give := func(u store.User, n int, other store.User) made {
			t.Helper()
			dev, bridge := []string{"", "00000000000000a1", "00000000000000b2"}[n], []string{"", "ff01", "ff02"}[n]
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(s.CreateToken(ctx, u.ID, "tok"+u.Email, "first"))
			_, err := s.CreateSession(ctx, "ses"+u.Email, u.ID, time.Now().Add(time.Hour))
			must(err)
			must(s.CreatePasswordReset(ctx, u.ID, "reset"+u.Email, time.Now().Add(time.Hour)))
			_, err = s.FriendCode(ctx, u.ID, func() string { return fmt.Sprint("code", n) })
			must(err)
			xor := uint32(0xA0 + n)
			must(s.DeviceKeyRequested(ctx, dev, xor, bridge))
			p, err := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: xor, Secret: uint64(n), Name: "Kitchen"})
			must(err)
			_, err = s.ConfirmPairing(ctx, p.ID, dev, bridge)
			must(err)
			_, err = s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Payload: []byte("hi")})
			must(err)
			sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "pub-" + u.Email, Schedule: "0 8 * * *"})
			must(err)
			_, _, err = s.ClaimEdition(ctx, sub.ID, "2026-12-06T08:00", time.Now(), time.Now().Add(-time.Hour))
			must(err)
			_, err = s.CreatePrintKey(ctx, store.PrintKey{PrinterID: p.ID, Name: "door", CodeHash: "key" + u.Email, Hint: "K"})
			must(err)
			must(s.CreateURLPublication(ctx, store.URLPublication{Name: "pub-" + u.Email, URL: "http://example.com/" + u.Email,
				Owner: u.ID, Meta: []byte("{}"), Created: time.Now(), Checked: time.Now()}))
			must(s.SetNoticePrefs(ctx, u.ID, map[string]store.Channels{store.NoticePrintFailed: store.ChannelWebhook}))
			_, err = s.AddPushEndpoint(ctx, store.PushEndpoint{UserID: u.ID, Endpoint: "https://push.example/" + u.Email, P256dh: "k", Auth: "a"})
			must(err)
			must(s.SetWebhook(ctx, store.Webhook{UserID: u.ID, URL: "https://hooks.example/" + u.Email, Secret: "s"}))
			if other.ID != 0 {
				must(s.AddFriendship(ctx, u.ID, other.ID)) // a notice to other
			}
			must(s.RaiseTestNotice(ctx, u.ID))
			_, err = s.FanOutNotices(ctx, 100) // the sends of u's (and other's) notices
			must(err)
			return made{p.ID, sub.ID, dev}
		}
		a := give(ann, 1, store.User{})
		b := give(bob, 2, ann)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SetPrinterFriend(ctx, bob.ID, b.printer, ann.ID, true))
		must(s.SetPrinterFriend(ctx, ann.ID, a.printer, bob.ID, true))
		// A message Ann sent to Bob's printer, and Bob's subscription to
		// Ann's publication.
		_, err = s.CreateDelivery(ctx, store.NewDelivery{PrinterID: b.printer, Kind: "message", Payload: []byte("hi"), Sender: ann.Email})
		must(err)
		bobsSub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: b.printer, Publication: "pub-" + ann.Email, Schedule: "0 9 * * *"})
		must(err)

		count := func(u store.User, m made) map[string]int {
			t.Helper()
			out := map[string]int{}
			for table, where := range userTables {
				args := []any{}
				q := "SELECT COUNT(*) FROM " + table + " WHERE " + where
				for {
					i := indexAny(q, ":user", ":printers", ":subs", ":email")
					if i < 0 {
						break
					}
					var name string
					switch {
					case hasAt(q, i, ":user"):
						name, args = ":user", append(args, u.ID)
					case hasAt(q, i, ":printers"):
						name, args = ":printers", append(args, m.printer)
					case hasAt(q, i, ":subs"):
						name, args = ":subs", append(args, m.sub)
					default:
						name, args = ":email", append(args, u.Email)
					}
					q = q[:i] + "?" + q[i+len(name):]
				}
				n, err := s.CountForTest(ctx, q, args...)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				out[table] = n
			}
			return out
		}
		bobsBefore := count(bob, b)
		for table, n := range count(ann, a) {
			if n == 0 && table != "push_deliveries" {
				t.Errorf("before: ann has no rows in %s: the test makes none there", table)
			}
		}

		got, err := s.DeleteUser(ctx, ann.ID, "its owner deleted their account")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Printers, []int64{a.printer}) || !slices.Equal(got.Devices, []string{a.device}) ||
			!slices.Equal(got.Publications, []string{"pub-" + ann.Email}) {
			t.Errorf("DeleteUser=%+v", got)
		}
		for table, n := range count(ann, a) {
			if n != 0 {
				t.Errorf("after: %d rows of ann's left in %s", n, table)
			}
		}
		// Bob keeps all of his but his friendship with Ann and their places
		// on each other's printers; her message on his printer stays,
		// without her address, and his subscription to her publication
		// ends.
		bobsAfter := count(bob, b)
		for table, want := range bobsBefore {
			switch table {
			case "friendships", "printer_friends": // with Ann, each way
				want = 0
			}
			if bobsAfter[table] != want {
				t.Errorf("bob's rows in %s: %d, want %d", table, bobsAfter[table], want)
			}
		}
		if n, _ := s.CountForTest(ctx, `SELECT COUNT(*) FROM deliveries WHERE printer_id = ? AND sender = ?`, b.printer, store.DeletedSender); n != 1 {
			t.Errorf("ann's message on bob's printer: %d rows from %q, want 1", n, store.DeletedSender)
		}
		sub, err := s.SubscriptionByID(ctx, bobsSub.ID)
		if err != nil || sub.EndedAt.IsZero() || sub.EndReason != "its owner deleted their account" {
			t.Errorf("bob's subscription to ann's publication: %+v, %v; want ended", sub, err)
		}

		// Ann's printer's device is released: not paired, no code; Bob's
		// stays paired.
		for _, tt := range []struct {
			dev    string
			paired bool
		}{{a.device, false}, {b.device, true}} {
			d, err := s.DeviceByAddress(ctx, tt.dev)
			if err != nil || (d.PairedBridge != "") != tt.paired || !tt.paired && d.ClaimID != 0 {
				t.Errorf("device %s: %+v, %v; want paired %v", tt.dev, d, err, tt.paired)
			}
		}
		// Claimed by Bob with a new code, it is his.
		p, err := s.Claim(ctx, store.Claim{UserID: bob.ID, HardwareXor: 0xA1, Secret: 7})
		if err != nil || p.DeviceAddress != a.device || p.OwnerID != bob.ID {
			t.Errorf("Bob claims Ann's old printer: %+v, %v", p, err)
		}
		if _, err := s.DeleteUser(ctx, ann.ID, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting her again: err=%v, want ErrNotFound", err)
		}
	})
}

func hasAt(s string, i int, sub string) bool { return len(s) >= i+len(sub) && s[i:i+len(sub)] == sub }

// indexAny is where the first of subs is in s, -1 if none.
func indexAny(s string, subs ...string) int {
	for i := range s {
		for _, sub := range subs {
			if hasAt(s, i, sub) {
				return i
			}
		}
	}
	return -1
}
