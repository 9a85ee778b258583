package htmlrender

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"paperboy/codec"
)

// Bounds on a page's pictures. A picture past them is left out, as one
// that cannot be fetched is: never an error for the whole page.
const (
	maxImages      = 32         // fetched or decoded, a page
	maxFetching    = 4          // at once
	maxImageBytes  = 8 << 20    // of one file
	maxImageSide   = 4096       // pixels across or down
	maxImagePixels = 16_000_000 // pixels in all
	maxDecodeBytes = 48 << 20   // memory decoding one takes
	fetchShare     = 3          // of 4: the part of the render's time fetches may take
	acceptImages   = "image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.5"
)

// picture is a page's picture, decoded: nil img if it could not be had.
type picture struct {
	img *image.RGBA
}

// loadImages fetches and decodes the pictures of a page's <img> elements,
// each address once, the first maxImages of them: data: URLs always,
// others only through client, resolved against base. Fetches run a few at
// once and stop when ctx ends; decoding runs one at a time, for memory.
func loadImages(ctx context.Context, root *node, base *url.URL, client *http.Client) map[*node]*picture {
	out := map[*node]*picture{}
	type job struct {
		src string
		u   *url.URL // nil for a data: URL
		pic *picture
	}
	var jobs []*job
	byURL := map[string]*job{}
	if b := baseElement(root); b != "" {
		// <base href> sets the address relative ones resolve against.
		if u := resolve(base, b); u != nil {
			base = u
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n.tag == "" || n.st == nil || n.st.display == dNone {
			return
		}
		if n.tag == "img" {
			if src, ok := n.attr("src"); ok {
				src = strings.TrimSpace(src)
				key := src
				var u *url.URL
				if !isDataURL(src) {
					u = resolve(base, src)
					if u == nil || client == nil {
						return
					}
					key = u.String()
				}
				j := byURL[key]
				if j == nil {
					if len(jobs) >= maxImages {
						return
					}
					j = &job{src: src, u: u, pic: &picture{}}
					byURL[key] = j
					jobs = append(jobs, j)
				}
				out[n] = j.pic
			}
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(root)
	if len(jobs) == 0 {
		return out
	}
	var decodeMu sync.Mutex
	sem := make(chan struct{}, maxFetching)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var data []byte
			var err error
			if j.u == nil {
				data, err = parseDataURL(j.src)
			} else {
				data, err = fetch(ctx, client, j.u)
			}
			if err != nil || ctx.Err() != nil {
				return
			}
			decodeMu.Lock()
			defer decodeMu.Unlock()
			if ctx.Err() != nil {
				return
			}
			if img, err := decodeImage(data); err == nil {
				j.pic.img = img
			}
		}()
	}
	wg.Wait()
	return out
}

// baseElement is the href of the page's first <base> element, or "".
func baseElement(root *node) string {
	for _, k := range root.kids {
		if k.tag != "head" {
			continue
		}
		for _, e := range k.kids {
			if e.tag == "base" {
				if href, ok := e.attr("href"); ok {
					return strings.TrimSpace(href)
				}
			}
		}
	}
	return ""
}

func isDataURL(s string) bool {
	return len(s) >= 5 && strings.EqualFold(s[:5], "data:")
}

// resolve is the absolute http or https address of src on a page at
// base, or nil.
func resolve(base *url.URL, src string) *url.URL {
	if src == "" {
		return nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return nil
	}
	if !u.IsAbs() {
		if base == nil {
			return nil
		}
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil
	}
	u.Fragment = ""
	return u
}

// parseDataURL is the content of a data: URL, base64 or percent-encoded.
func parseDataURL(s string) ([]byte, error) {
	meta, payload, ok := strings.Cut(s[len("data:"):], ",")
	if !ok {
		return nil, errors.New("a data: URL without a comma")
	}
	if strings.Contains(payload, "%") {
		if p, err := url.PathUnescape(payload); err == nil {
			payload = p
		}
	}
	if !strings.HasSuffix(strings.ToLower(strings.TrimSpace(meta)), ";base64") {
		return []byte(payload), nil
	}
	payload = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\f':
			return -1
		}
		return r
	}, payload)
	payload = strings.TrimRight(payload, "=")
	if strings.ContainsAny(payload, "-_") {
		return base64.RawURLEncoding.DecodeString(payload)
	}
	return base64.RawStdEncoding.DecodeString(payload)
}

// fetch gets a picture's bytes.
func fetch(ctx context.Context, client *http.Client, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptImages)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxImageBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxImageBytes {
		return nil, fmt.Errorf("%s is more than %d MB", u.Redacted(), maxImageBytes>>20)
	}
	return data, nil
}

// decodeImage decodes a picture after its header says it is small
// enough: at most maxImageSide pixels either way, maxImagePixels in all,
// and maxDecodeBytes of memory to read. The picture comes back upright,
// on white, at most a print wide.
func decodeImage(data []byte) (*image.RGBA, error) {
	info, err := codec.InspectImage(data)
	if err != nil {
		return nil, err
	}
	if info.Width > maxImageSide || info.Height > maxImageSide || int64(info.Width)*int64(info.Height) > maxImagePixels {
		return nil, fmt.Errorf("a %d×%d picture is larger than %d×%d", info.Width, info.Height, maxImageSide, maxImageSide)
	}
	if info.PrintBytes() > maxDecodeBytes {
		return nil, fmt.Errorf("a %d×%d %s takes too much memory to read", info.Width, info.Height, info.Kind)
	}
	return codec.DecodePrintImage(data)
}
