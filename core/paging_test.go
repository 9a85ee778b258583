package core_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/store"
)

// pages walks a list of the API page by page, limit at a time, and returns
// the ids of its items in order.
func (ts *testServer) pages(path, token, name string, limit int) []int64 {
	ts.t.Helper()
	var ids []int64
	after := ""
	for range 1000 {
		url := fmt.Sprintf("%s?limit=%d", path, limit)
		if after != "" {
			url += "&after=" + after
		}
		var out map[string]json.RawMessage
		if st := ts.do("GET", url, token, "", nil, &out); st != http.StatusOK {
			ts.t.Fatalf("GET %s: %d", url, st)
		}
		var items []struct{ ID int64 }
		if err := json.Unmarshal(out[name], &items); err != nil {
			ts.t.Fatalf("GET %s: %s is not a list: %v", url, name, err)
		}
		if len(items) > limit {
			ts.t.Fatalf("GET %s: %d items, over the limit", url, len(items))
		}
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		next, ok := out["next"]
		if !ok {
			return ids
		}
		if err := json.Unmarshal(next, &after); err != nil || after == "" {
			ts.t.Fatalf("GET %s: next %s", url, next)
		}
	}
	ts.t.Fatal("the pages never end")
	return nil
}

func TestAPI_ListsPage(t *testing.T) {
	// Every list of the API pages the same way: ?limit and ?after, and a
	// "next" until its end; walked a page at a time, it is the whole list,
	// in order.
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{ClaimsPerMinute: 100})
	ann := ts.user("ann@example.com")
	var printers []int64
	for i := range 3 {
		printers = append(printers, ts.claim(ann, codec.ClaimCode{HardwareXor: uint32(0x100 + i), Secret: uint64(i + 1)}).ID)
	}
	var deliveries []int64
	for i := range 150 {
		d, err := ts.store.CreateFailedDelivery(t.Context(), printers[0], "message", fmt.Sprint("number ", i))
		if err != nil {
			t.Fatal(err)
		}
		deliveries = append([]int64{d.ID}, deliveries...) // newest first
	}
	u, _ := ts.store.UserByTokenHash(t.Context(), core.HashToken(ann))
	var subs []int64
	for i := range 4 {
		sub, err := ts.store.CreateSubscription(t.Context(), store.NewSubscription{PrinterID: printers[1], Publication: "hello",
			Schedule: fmt.Sprintf("%d 7 * * *", i)})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub.ID)
	}
	for _, email := range []string{"bob@example.com", "cy@example.com", "dee@example.com"} {
		ts.user(email)
		f, _ := ts.store.UserByEmail(t.Context(), email)
		if err := ts.store.AddFriendship(t.Context(), u.ID, f.ID); err != nil {
			t.Fatal(err)
		}
	}
	var friends []int64
	fs, _ := ts.store.Friends(t.Context(), u.ID)
	for _, f := range fs {
		friends = append(friends, f.ID)
	}
	var tokens []int64
	list, _ := ts.store.TokensByUser(t.Context(), u.ID)
	for _, tok := range list {
		tokens = append(tokens, tok.ID)
	}
	var notices []int64 // a print failed, for each failed delivery
	ns, _ := ts.store.Notices(t.Context(), u.ID, 0, 1000)
	for _, n := range ns {
		notices = append(notices, n.ID)
	}
	if len(notices) != len(deliveries) {
		t.Fatalf("%d notices, want one for each of the %d failed deliveries", len(notices), len(deliveries))
	}
	tests := []struct {
		name, path, list string
		want             []int64
	}{
		{"printers", "/api/v1/printers", "printers", printers},
		{"deliveries", fmt.Sprintf("/api/v1/printers/%d/deliveries", printers[0]), "deliveries", deliveries},
		{"subscriptions", fmt.Sprintf("/api/v1/printers/%d/subscriptions", printers[1]), "subscriptions", subs},
		{"tokens", "/api/v1/tokens", "tokens", tokens},
		{"friends", "/api/v1/friends", "friends", friends},
		{"notices", "/api/v1/notices", "notices", notices},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, limit := range []int{1, 2, 100, 500} {
				got := ts.pages(tt.path, ann, tt.list, limit)
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("limit %d: %v, want %v", limit, got, tt.want)
				}
			}
			for _, bad := range []string{"?limit=0", "?limit=501", "?limit=x", "?after=-1", "?after=nonsense"} {
				var e errorOut
				if st := ts.do("GET", tt.path+bad, ann, "", nil, &e); st != http.StatusBadRequest || e.Error == "" {
					t.Errorf("%s: %d %q, want 400 that says why", bad, st, e.Error)
				}
			}
		})
	}
	// The first page of the deliveries, with no limit given: 100.
	var out struct {
		Deliveries []struct{ ID int64 }
		Next       string
	}
	ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", printers[0]), ann, "", nil, &out)
	if len(out.Deliveries) != 100 || out.Next == "" {
		t.Errorf("first page: %d deliveries, next %q; want 100 and a cursor", len(out.Deliveries), out.Next)
	}
}
