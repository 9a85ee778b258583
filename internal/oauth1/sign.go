package oauth1

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Sign signs a request as a publication pushing an edition would, and
// returns the value of its Authorization header: HMAC-SHA1 with c, the
// given nonce and timestamp, and realm when it is not "". The query of
// rawURL is signed, and so are the parameters of body when contentType is
// application/x-www-form-urlencoded; any other non-empty body is signed
// through oauth_body_hash. oauth_token is left out when c.Token is "", and
// oauth_version, which is optional, is always left out, as in RFC 5849's
// own examples.
//
// rawURL must be an absolute http or https URL whose query (and form body)
// is valid URL encoding; Sign panics otherwise, as for a regexp that does
// not compile: the URL is the program's, not its user's.
func Sign(method, rawURL string, body []byte, contentType string, c Credentials, nonce string, ts time.Time, realm string) string {
	h, err := sign(method, rawURL, body, contentType, c, nonce, ts, realm)
	if err != nil {
		panic("oauth1.Sign: " + err.Error())
	}
	return h
}

func sign(method, rawURL string, body []byte, contentType string, c Credentials, nonce string, ts time.Time, realm string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http or https URL", rawURL)
	}
	query, err := parseForm(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("the query of %q: %v", rawURL, err)
	}
	form := isForm(contentType)
	var formParams []param
	if form {
		if formParams, err = parseForm(string(body)); err != nil {
			return "", fmt.Errorf("the form body: %v", err)
		}
	}

	// In the order of the RFC's examples.
	oauth := []param{{"oauth_consumer_key", c.ConsumerKey}}
	if c.Token != "" {
		oauth = append(oauth, param{"oauth_token", c.Token})
	}
	oauth = append(oauth,
		param{"oauth_signature_method", "HMAC-SHA1"},
		param{"oauth_timestamp", strconv.FormatInt(ts.Unix(), 10)},
		param{"oauth_nonce", nonce})
	if len(body) > 0 && !form {
		sum := sha1.Sum(body)
		oauth = append(oauth, param{"oauth_body_hash", base64.StdEncoding.EncodeToString(sum[:])})
	}

	params := append(append(append([]param(nil), query...), oauth...), formParams...)
	base := baseString(method, baseURI(u.Scheme, u.Host, u.EscapedPath()), params)
	mac := hmac.New(sha1.New, []byte(percentEncode(c.ConsumerSecret)+"&"+percentEncode(c.TokenSecret)))
	mac.Write([]byte(base))
	oauth = append(oauth, param{"oauth_signature", base64.StdEncoding.EncodeToString(mac.Sum(nil))})
	return formatHeader(realm, oauth), nil
}
