package oauth1

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The examples of RFC 5849, byte for byte. Where the RFC breaks a line "for
// display purposes only", the strings here are joined again.

func TestPercentEncode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"AZaz09-._~", "AZaz09-._~"},
		{"r b", "r%20b"}, // %20, never "+"
		{"=%3D", "%3D%253D"},
		{"c@", "c%40"},
		{"a+b/c?d&e=f*g'h!(i)", "a%2Bb%2Fc%3Fd%26e%3Df%2Ag%27h%21%28i%29"},
		{"café ☕", "caf%C3%A9%20%E2%98%95"},
		{"\x00\xff", "%00%FF"},
	} {
		if got := percentEncode(tc.in); got != tc.want {
			t.Errorf("percentEncode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Section 3.4.1.2's two examples, and the default ports.
func TestBaseURI(t *testing.T) {
	for _, tc := range []struct{ scheme, host, path, want string }{
		{"http", "EXAMPLE.COM:80", "/r%20v/X", "http://example.com/r%20v/X"},
		{"https", "www.example.net:8080", "/", "https://www.example.net:8080/"},
		{"HTTPS", "Example.com:443", "/a", "https://example.com/a"},
		{"http", "example.com:443", "/a", "http://example.com:443/a"},
		{"https", "example.com:80", "", "https://example.com:80/"},
		{"http", "[::1]:80", "/p", "http://[::1]/p"},
		{"http", "[::1]:8080", "/p", "http://[::1]:8080/p"},
		{"http", "127.0.0.1:8080", "/v1/x", "http://127.0.0.1:8080/v1/x"},
	} {
		if got := baseURI(tc.scheme, tc.host, tc.path); got != tc.want {
			t.Errorf("baseURI(%q, %q, %q) = %q, want %q", tc.scheme, tc.host, tc.path, got, tc.want)
		}
	}
}

// rfcRequest is the request of sections 3.1 and 3.4.1.1, as a server gets
// it, Authorization header folded over lines as the RFC prints it.
func rfcRequest() *http.Request {
	r := httptest.NewRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", strings.NewReader("c2&a3=2+q"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", `OAuth realm="Example",
                    oauth_consumer_key="9djdj82h48djs9d2",
                    oauth_token="kkk9d7dh3k39sjv7",
                    oauth_signature_method="HMAC-SHA1",
                    oauth_timestamp="137131201",
                    oauth_nonce="7d8f3e4a",
                    oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"`)
	return r
}

const rfcBaseString = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q" +
	"%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_" +
	"key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m" +
	"ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk" +
	"9d7dh3k39sjv7"

func rfcVerifier() *Verifier {
	return &Verifier{
		Lookup: func(ck, tok string) (Credentials, bool) {
			if ck != "9djdj82h48djs9d2" || tok != "kkk9d7dh3k39sjv7" {
				return Credentials{}, false
			}
			return Credentials{ck, "j49sk3j29djd", tok, "dh893hdasih9"}, true
		},
		Nonces: new(Nonces),
	}
}

// Section 3.4.1.1: the base string built from the request as received.
// The signature the RFC prints for it, bYT5CMsGcbgUdFHObYMEfcx6bsw=, is not
// the HMAC-SHA1 of that base string with the secrets it names (RFC errata
// 2550; python3-oauthlib 3.2.2 agrees it is r6/TJjbCOr97/+UU0NsvSne7s5g=),
// so Verify refuses it, and says which base string it signed.
func TestRFCBaseString(t *testing.T) {
	_, err := rfcVerifier().Verify(rfcRequest(), []byte("c2&a3=2+q"), time.Unix(137131201, 0))
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized {
		t.Fatalf("Verify = %v, want the signature refused", err)
	}
	if e.BaseString != rfcBaseString {
		t.Errorf("base string\n got %s\nwant %s", e.BaseString, rfcBaseString)
	}

	// Section 3.4.1.3.2's normalized parameters, on their own.
	const norm = "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj" +
		"dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1" +
		"&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
	ps, err := parseForm("b5=%3D%253D&a3=a&c%40=&a2=r%20b&oauth_consumer_key=9djdj82h48djs9d2&oauth_token=kkk9d7dh3k39sjv7&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_nonce=7d8f3e4a&c2&a3=2+q")
	if err != nil {
		t.Fatal(err)
	}
	if got := baseString("POST", "http://example.com/request", ps); got != "POST&http%3A%2F%2Fexample.com%2Frequest&"+percentEncode(norm) {
		t.Errorf("normalized parameters: got %s", got)
	}
}

// The same request with the correct signature (errata 2550) is accepted,
// and Sign makes that signature.
func TestRFCSignatureCorrected(t *testing.T) {
	r := rfcRequest()
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "bYT5CMsGcbgUdFHObYMEfcx6bsw%3D", "r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D", 1))
	c, err := rfcVerifier().Verify(r, []byte("c2&a3=2+q"), time.Unix(137131201, 0))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	h := Sign("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", []byte("c2&a3=2+q"),
		"application/x-www-form-urlencoded", c, "7d8f3e4a", time.Unix(137131201, 0), "Example")
	want := `OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D"`
	if h != want {
		t.Errorf("Sign =\n %s\nwant\n %s", h, want)
	}
}

// Section 1.2: printer.example.com fetches Jane's photo with its token
// credentials (token secret pfkkdhi9sl3r4s00, from the response just
// before). Sign gives the RFC's header exactly, and Verify takes the RFC's
// header as printed.
func TestRFCPhotos(t *testing.T) {
	c := Credentials{"dpf43f3p2l4k3l03", "kd94hf93k423kf44", "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00"}
	const rfcHeader = `OAuth realm="Photos",
        oauth_consumer_key="dpf43f3p2l4k3l03",
        oauth_token="nnch734d00sl2jdk",
        oauth_signature_method="HMAC-SHA1",
        oauth_timestamp="137131202",
        oauth_nonce="chapoH",
        oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"`
	const rawURL = "http://photos.example.net/photos?file=vacation.jpg&size=original"
	ts := time.Unix(137131202, 0)

	got := Sign("GET", rawURL, nil, "", c, "chapoH", ts, "Photos")
	if want := strings.Join(strings.Fields(rfcHeader), " "); got != want {
		t.Errorf("Sign =\n %s\nwant\n %s", got, want)
	}

	r := httptest.NewRequest("GET", rawURL, nil)
	r.Header.Set("Authorization", rfcHeader)
	v := &Verifier{
		Lookup: func(ck, tok string) (Credentials, bool) { return c, ck == c.ConsumerKey && tok == c.Token },
		Nonces: new(Nonces),
	}
	if _, err := v.Verify(r, nil, ts.Add(time.Minute)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// The base string, which the RFC does not print, is the one other
	// implementations test against.
	const base = "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
	_, err := v.Verify(r, nil, ts) // a replay, refused, but after the signature check...
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "already used") {
		t.Fatalf("replay: %v", err)
	}
	r.Header.Set("Authorization", strings.Replace(rfcHeader, "chapoH", "chapoI", 1))
	_, err = v.Verify(r, nil, ts) // ...so change the nonce to see the base string
	if !errors.As(err, &e) || e.BaseString != strings.Replace(base, "chapoH", "chapoI", 1) {
		t.Fatalf("base string: %v, %q", err, e.BaseString)
	}
}
