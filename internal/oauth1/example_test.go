package oauth1_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"paperboy/internal/oauth1"
)

// A publication pushes an edition; the server checks it.
func ExampleVerifier() {
	pub := oauth1.Credentials{ConsumerKey: "ck", ConsumerSecret: "cs", Token: "tk", TokenSecret: "ts"}
	endpoint := "https://paperboy.example.org/v1/subscriptions/0123456789abcdef0123456789abcdef01234567/publish"
	html := "<p>Hello, Little Printer</p>"
	now := time.Unix(1384000000, 0)

	// The publication's side.
	auth := oauth1.Sign("POST", endpoint, []byte(html), "text/html; charset=utf-8", pub, "a-new-nonce", now, "")

	// The server's side: one Verifier, one Nonces, for every push.
	v := &oauth1.Verifier{
		BaseURL: &url.URL{Scheme: "https", Host: "paperboy.example.org"},
		Lookup: func(consumerKey, token string) (oauth1.Credentials, bool) {
			return pub, consumerKey == pub.ConsumerKey && token == pub.Token
		},
		Nonces: new(oauth1.Nonces),
	}
	for range 2 {
		r := httptest.NewRequest("POST", endpoint, strings.NewReader(html))
		r.Header.Set("Content-Type", "text/html; charset=utf-8")
		r.Header.Set("Authorization", auth)
		c, err := v.Verify(r, []byte(html), now.Add(2*time.Second))
		var e *oauth1.Error
		if errors.As(err, &e) {
			fmt.Println(e.Status, e.Msg)
			continue
		}
		fmt.Println("accepted for", c.ConsumerKey)
	}
	// Output:
	// accepted for ck
	// 401 oauth_nonce "a-new-nonce" was already used by this consumer key: every request needs a new nonce (was this request sent twice?)
}
