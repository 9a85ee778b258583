# vectors.py signs a few push requests the way BERG-era Python publications
# did, with requests-oauthlib and oauthlib, and prints them as Go struct
# literals for vectors_test.go. It runs offline: requests only prepares the
# requests, nothing is sent.
#
# Run once, by hand, on Debian 12 (python3-oauthlib 3.2.2-1,
# python3-requests-oauthlib 1.3.0+ds-1, python3-requests 2.28.1):
#
#	apt-get install -y python3-oauthlib python3-requests-oauthlib
#	/usr/bin/python3 internal/oauth1/testdata/vectors.py
#
# and paste the output into the pythonVectors table. The Go tests do not need
# Python.
import json

import oauthlib
import oauthlib.oauth1
import requests
import requests_oauthlib

# Made-up credentials of one publication, as BERG showed them on its
# "API credentials" page.
CK, CS = "pubkey0123456789", "pubsecret-abcdef"
TK, TS = "accesstoken-42", "accesssecret~xyz"
SUB = "0123456789abcdef0123456789abcdef01234567"
LOCAL = "http://127.0.0.1:8080/v1/subscriptions/%s/publish" % SUB
TLS = "https://Paperboy.Example.org:8443/v1/subscriptions/%s/publish" % SUB
HTML = '<html><body><h1>Hello, Little Printer</h1><p>Café au lait — ☕ 3 × “quotes”</p></body></html>\n'
TS0 = 1384000000  # 9 November 2013, the Push API's first month
HTMLTYPE = "text/html; charset=utf-8"


def prepared(name, url, auth, data=None, params=None, content_type=None):
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    req = requests.Request("POST", url, data=data, params=params,
                           headers=headers, auth=auth).prepare()
    body = req.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    emit(name, "requests-oauthlib %s" % requests_oauthlib.__version__,
         req.method, req.url, req.headers.get("Content-Type", ""),
         req.headers.get("Authorization", ""), body)


def emit(name, lib, method, url, ctype, auth, body):
    fields = [name, lib, method, url, ctype, auth, body]
    fields = [f.decode("utf-8") if isinstance(f, bytes) else f for f in fields]
    print("\t{" + ", ".join(json.dumps(f, ensure_ascii=False) for f in fields) + "},")


def auth(nonce, **kw):
    return requests_oauthlib.OAuth1(CK, CS, TK, TS, nonce=nonce,
                                    timestamp=str(TS0), **kw)


# The push BERG documented: raw HTML body, body hash, no realm.
prepared("html body, body hash", LOCAL,
         auth("py1nonce", force_include_body=True),
         data=HTML.encode("utf-8"), content_type=HTMLTYPE)
# The same to an https endpoint on a non-default port, with a realm and a
# query string with a space and a non-ASCII character.
prepared("https port 8443, realm, query", TLS,
         auth("py2nonce", force_include_body=True, realm="Little Printer"),
         data=HTML.encode("utf-8"), params={"note": "a b", "x": "✓"},
         content_type=HTMLTYPE)
# requests-oauthlib's default leaves the body out of the signature: no
# oauth_body_hash at all.
prepared("html body, no body hash (requests-oauthlib default)", LOCAL,
         auth("py3nonce"), data=HTML.encode("utf-8"), content_type=HTMLTYPE)
# The html form field, form-encoded: the body's parameters are signed.
prepared("html form field", LOCAL, auth("py4nonce"),
         data={"html": HTML})
# The html query parameter and an empty body.
prepared("html query parameter", LOCAL, auth("py5nonce"),
         params={"html": HTML})

# oauthlib alone, with the protocol parameters in the query (RFC 5849
# 3.5.3) and in a form body (3.5.2).
c = oauthlib.oauth1.Client(CK, CS, TK, TS, nonce="py6nonce",
                           timestamp=str(TS0),
                           signature_type=oauthlib.oauth1.SIGNATURE_TYPE_QUERY)
url, headers, body = c.sign(LOCAL + "?html=%3Cp%3Ehi+there%3C%2Fp%3E", "POST")
emit("oauth parameters in the query", "oauthlib %s" % oauthlib.__version__,
     "POST", url, "", "", b"")
c = oauthlib.oauth1.Client(CK, CS, TK, TS, nonce="py7nonce",
                           timestamp=str(TS0),
                           signature_type=oauthlib.oauth1.SIGNATURE_TYPE_BODY)
url, headers, body = c.sign(LOCAL, "POST", body={"html": "<p>hi there</p>"},
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
emit("oauth parameters in the form body", "oauthlib %s" % oauthlib.__version__,
     "POST", url, headers["Content-Type"], "", body.encode("utf-8"))
