package core

import (
	"net/http"
	"strconv"
)

// Every list of the API is paged the same way (README, "Lists"): a request
// may ask for ?limit=N (1 to maxPage; defaultPage when not given) and for
// the page ?after=CURSOR, the cursor the answer before gave as "next"; an
// answer whose list goes on says where with "next", and has none at its
// end.
const (
	defaultPage = 100
	maxPage     = 500
)

// page is a list request's window.
type page struct {
	limit int
	after string // "" for the first page
}

// readPage reads a list request's ?limit and ?after.
func readPage(r *http.Request) (page, error) {
	p := page{limit: defaultPage, after: r.URL.Query().Get("after")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return p, errField("limit", "limit must be a whole number from 1 to "+strconv.Itoa(maxPage))
		}
		p.limit = n
	}
	return p, nil
}

// errCursor answers a cursor that names nothing in its list: made up, or
// its item gone since.
func errCursor(after string) error {
	return errField("after", "after "+strconv.Quote(after)+" is not a place in this list (the list changed, or it is not a cursor it gave): start again without it")
}

// pageOf cuts a whole list, in its order, to the page p asks for: the items
// after the one whose key is p.after, at most p.limit of them, and the
// cursor of the next page ("" at the end). Keys are unique in the list.
func pageOf[T any](items []T, key func(T) string, p page) ([]T, string, error) {
	start := 0
	if p.after != "" {
		start = -1
		for i, it := range items {
			if key(it) == p.after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, "", errCursor(p.after)
		}
	}
	items = items[start:]
	if len(items) <= p.limit {
		return items, "", nil
	}
	items = items[:p.limit]
	return items, key(items[len(items)-1]), nil
}

// beforeID reads the cursor of a list kept newest first in the store, the
// last id of the page before (0 for the first page): the next page has
// the ids below it.
func beforeID(p page) (int64, error) {
	if p.after == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(p.after, 10, 64)
	if err != nil || id <= 0 {
		return 0, errCursor(p.after)
	}
	return id, nil
}

// idKey is the key of an item known by its id.
func idKey(id int64) string { return strconv.FormatInt(id, 10) }

// listJSON is a page of a list as the API answers it: the list under its
// name, and "next" when it goes on.
func listJSON(name string, items any, next string) map[string]any {
	out := map[string]any{name: items}
	if next != "" {
		out["next"] = next
	}
	return out
}
