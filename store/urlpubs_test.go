package store_test

import (
	"errors"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_URLPublications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.UnixMilli(1_700_000_000_000).UTC()
		s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		adds := []struct {
			name    string
			p       store.URLPublication
			wantErr error
		}{
			{"everyone's", store.URLPublication{Name: "hello-world", URL: "http://h/hello/", Meta: []byte(`{"name":"Hello"}`), MetaETag: `"1"`}, nil},
			{"ann's", store.URLPublication{Name: "anns", URL: "http://h/anns/", Owner: ann.ID, Meta: []byte(`{}`), Icon: []byte{1, 2}}, nil},
			{"a taken name", store.URLPublication{Name: "hello-world", URL: "http://other/", Meta: []byte(`{}`)}, store.ErrConflict},
			{"no such user", store.URLPublication{Name: "ghost", URL: "http://h/", Owner: 99999, Meta: []byte(`{}`)}, store.ErrNotFound},
		}
		for _, tt := range adds {
			if err := s.CreateURLPublication(ctx, tt.p); !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: CreateURLPublication err=%v, want %v", tt.name, err, tt.wantErr)
			}
		}
		all, err := s.URLPublications(ctx)
		if err != nil || len(all) != 2 || all[0].Name != "anns" || all[1].Name != "hello-world" {
			t.Fatalf("URLPublications=%+v, %v; want anns and hello-world", all, err)
		}
		if all[0].Owner != ann.ID || string(all[0].Icon) != "\x01\x02" || all[1].Owner != 0 || all[1].MetaETag != `"1"` || all[1].Icon != nil {
			t.Errorf("read back %+v", all)
		}
		if n, err := s.CountURLPublications(ctx, ann.ID); err != nil || n != 1 {
			t.Errorf("CountURLPublications(ann)=%d, %v; want 1", n, err)
		}

		// A failing one is marked, since its first failure; an answer clears it.
		first := clock.Add(time.Second)
		for range 2 {
			if err := s.URLPublicationChecked(ctx, "hello-world", nil, "", nil, errors.New("meta.json: the publication answered 500")); err != nil {
				t.Fatal(err)
			}
		}
		p, _ := s.URLPublicationByName(ctx, "hello-world")
		if !p.FailingSince.Equal(first) || p.LastError == "" || string(p.Meta) != `{"name":"Hello"}` {
			t.Errorf("after two failures: %+v; want failing since %v, meta kept", p, first)
		}
		if err := s.URLPublicationChecked(ctx, "hello-world", []byte(`{"name":"Hi"}`), `"2"`, []byte{9}, nil); err != nil {
			t.Fatal(err)
		}
		p, _ = s.URLPublicationByName(ctx, "hello-world")
		if !p.FailingSince.IsZero() || p.LastError != "" || string(p.Meta) != `{"name":"Hi"}` || p.MetaETag != `"2"` || string(p.Icon) != "\x09" {
			t.Errorf("after an answer: %+v", p)
		}
		if err := s.URLPublicationChecked(ctx, "hello-world", nil, "", nil, nil); err != nil {
			t.Fatal(err)
		}
		if p2, _ := s.URLPublicationByName(ctx, "hello-world"); string(p2.Meta) != `{"name":"Hi"}` || !p2.Checked.After(p.Checked) {
			t.Errorf("a 304 changed the meta or not the time: %+v", p2)
		}

		// Removing one ends its subscriptions.
		pr, err := s.Claim(ctx, store.Claim{UserID: ann.ID, HardwareXor: 1, Secret: 2})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: pr.ID, Publication: "hello-world", Schedule: "0 8 * * *"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteURLPublication(ctx, "hello-world", "the operator removed it"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteURLPublication(ctx, "hello-world", "again"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removing it again: %v, want ErrNotFound", err)
		}
		got, _ := s.SubscriptionByID(ctx, sub.ID)
		if got.EndedAt.IsZero() || got.EndReason != "the operator removed it" {
			t.Errorf("subscription after removal: %+v", got)
		}
		if _, err := s.URLPublicationByName(ctx, "hello-world"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("URLPublicationByName after removal: %v", err)
		}
	})
}
