package store_test

import (
	"errors"
	"fmt"
	"testing"

	"paperboy/internal/storetest"
	"paperboy/store"
)

// codes hands out the codes given, in order.
func codes(cs ...string) func() string {
	return func() string {
		c := cs[0]
		cs = cs[1:]
		return c
	}
}

func TestStore_FriendCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		bob, _ := s.CreateUser(ctx, "bob@example.com")
		steps := []struct {
			name string
			do   func() (string, error)
			want string
		}{
			{"first code", func() (string, error) { return s.FriendCode(ctx, ann.ID, codes("AAAA1111")) }, "AAAA1111"},
			{"kept", func() (string, error) { return s.FriendCode(ctx, ann.ID, codes("ZZZZ9999")) }, "AAAA1111"},
			{"a taken code is drawn again", func() (string, error) { return s.FriendCode(ctx, bob.ID, codes("AAAA1111", "BBBB2222")) }, "BBBB2222"},
			{"a new code", func() (string, error) { return s.NewFriendCode(ctx, ann.ID, codes("BBBB2222", "CCCC3333")) }, "CCCC3333"},
		}
		for _, st := range steps {
			got, err := st.do()
			if err != nil || got != st.want {
				t.Fatalf("%s: %q, %v; want %q", st.name, got, err, st.want)
			}
		}
		for code, want := range map[string]int64{"CCCC3333": ann.ID, "BBBB2222": bob.ID, "AAAA1111": 0} {
			u, err := s.UserByFriendCode(ctx, code)
			if want == 0 {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the old code %s still finds user %d (%v)", code, u.ID, err)
				}
				continue
			}
			if err != nil || u.ID != want {
				t.Errorf("code %s: user %d, %v; want %d", code, u.ID, err, want)
			}
		}
	})
}

func TestStore_Friendships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		annPrinter := newPrinter(t, s, "ann@example.com")
		ann := annPrinter.OwnerID
		bob, _ := s.CreateUser(ctx, "bob@example.com")
		cat, _ := s.CreateUser(ctx, "cat@example.com")
		bobPrinter, err := s.Claim(ctx, store.Claim{UserID: bob.ID, HardwareXor: 7, Secret: 8})
		if err != nil {
			t.Fatal(err)
		}
		may := func(printer, user int64) bool {
			t.Helper()
			ok, err := s.MayPrint(ctx, printer, user)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		// Friends, but nobody may print yet except on their own printer.
		if err := s.AddFriendship(ctx, ann, bob.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			err  error
		}{
			{"again", s.AddFriendship(ctx, bob.ID, ann)},
			{"oneself", s.AddFriendship(ctx, cat.ID, cat.ID)},
		} {
			if !errors.Is(c.err, store.ErrConflict) {
				t.Errorf("a friendship %s: %v, want ErrConflict", c.name, c.err)
			}
		}
		if fs, err := s.Friends(ctx, bob.ID); err != nil || len(fs) != 1 || fs[0].Email != "ann@example.com" {
			t.Fatalf("bob's friends: %+v, %v", fs, err)
		}
		if ok, _ := s.AreFriends(ctx, ann, bob.ID); !ok {
			t.Fatal("ann and bob are not friends")
		}
		if ok, _ := s.AreFriends(ctx, ann, cat.ID); ok {
			t.Fatal("ann and cat are friends")
		}

		// Only an owner lets, only a friend, only on the owner's printer.
		for _, c := range []struct {
			name                     string
			owner, printer, friend   int64
			wantErr                  error
			wantBob, wantCat, wantAn bool
		}{
			{"ann lets bob", ann, annPrinter.ID, bob.ID, nil, true, false, true},
			{"ann lets cat, not a friend", ann, annPrinter.ID, cat.ID, store.ErrNotFound, true, false, true},
			{"bob lets bob on ann's", bob.ID, annPrinter.ID, bob.ID, store.ErrNotFound, true, false, true},
		} {
			err := s.SetPrinterFriend(ctx, c.owner, c.printer, c.friend, true)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("%s: %v, want %v", c.name, err, c.wantErr)
			}
			if may(annPrinter.ID, bob.ID) != c.wantBob || may(annPrinter.ID, cat.ID) != c.wantCat || may(annPrinter.ID, ann) != c.wantAn {
				t.Fatalf("%s: may print on ann's: bob %v, cat %v, ann %v", c.name,
					may(annPrinter.ID, bob.ID), may(annPrinter.ID, cat.ID), may(annPrinter.ID, ann))
			}
		}
		if err := s.SetPrinterFriend(ctx, ann, annPrinter.ID, bob.ID, true); err != nil {
			t.Fatalf("letting twice: %v", err)
		}
		if err := s.SetPrinterFriend(ctx, bob.ID, bobPrinter.ID, ann, true); err != nil {
			t.Fatal(err)
		}
		shared, err := s.SharedPrinters(ctx, bob.ID)
		if err != nil || len(shared) != 1 || shared[0].ID != annPrinter.ID || shared[0].OwnerName != "a friend" {
			t.Fatalf("bob's shared printers: %+v, %v; want Ann's, by the name of one who chose none", shared, err)
		}
		if err := s.SetUserName(ctx, ann, "Ann"); err != nil {
			t.Fatal(err)
		}
		if shared, _ := s.SharedPrinters(ctx, bob.ID); len(shared) != 1 || shared[0].OwnerName != "Ann" {
			t.Errorf("after Ann chose her name: %+v", shared)
		}
		pf, err := s.PrinterFriends(ctx, ann)
		if err != nil || fmt.Sprint(pf) != fmt.Sprint(map[int64][]int64{bob.ID: {annPrinter.ID}}) {
			t.Fatalf("ann's printer friends: %v, %v", pf, err)
		}

		// Stopping one, then ending the friendship, which takes the rest.
		if err := s.SetPrinterFriend(ctx, ann, annPrinter.ID, bob.ID, false); err != nil || may(annPrinter.ID, bob.ID) {
			t.Fatalf("bob stopped: err %v, may %v", err, may(annPrinter.ID, bob.ID))
		}
		if err := s.RemoveFriendship(ctx, bob.ID, ann); err != nil {
			t.Fatal(err)
		}
		if may(bobPrinter.ID, ann) {
			t.Fatal("ann may still print on bob's printer after the friendship ended")
		}
		if err := s.RemoveFriendship(ctx, bob.ID, ann); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ending it again: %v, want ErrNotFound", err)
		}
		if fs, _ := s.Friends(ctx, ann); len(fs) != 0 {
			t.Fatalf("ann's friends after: %+v", fs)
		}
	})
}

func TestStore_DeliverySender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		p := newPrinter(t, s, "ann@example.com")
		d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{1}, Sender: "bob@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.DeliveryByID(ctx, d.ID)
		if err != nil || got.Sender != "bob@example.com" {
			t.Fatalf("sender %q, %v", got.Sender, err)
		}
	})
}
