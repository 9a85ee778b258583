# vectors.rb signs a few push requests the way BERG's Ruby publications did
# (kennysmed/lp-publication-push-example: the oauth gem, an access token, a
# Net::HTTP POST of the HTML), and prints them as Go struct literals for
# vectors_test.go. It runs offline: the requests are signed, never sent.
#
# Run once, by hand, on Debian 12 (ruby 3.1.2, ruby-oauth 0.5.4-1.1):
#
#	apt-get install -y ruby-oauth
#	ruby internal/oauth1/testdata/vectors.rb
#
# and paste the output into the rubyVectors table. The Go tests do not need
# Ruby.
require "json"
require "net/http"
require "uri"
require "oauth"
require "oauth/client/net_http"

# The same made-up publication as vectors.py.
CK, CS = "pubkey0123456789", "pubsecret-abcdef"
TK, TS = "accesstoken-42", "accesssecret~xyz"
SUB = "0123456789abcdef0123456789abcdef01234567"
HTML = "<html><body><h1>Hello, Little Printer</h1><p>Café au lait — ☕ 3 × “quotes”</p></body></html>\n"
TS0 = 1384000000

def emit(name, method, url, ctype, auth, body)
  fields = [name, "ruby oauth #{OAuth::VERSION}", method, url, ctype || "", auth || "", body || ""]
  puts "\t{" + fields.map { |f| JSON.generate(f.dup.force_encoding("UTF-8")) }.join(", ") + "},"
end

def push(name, url, nonce, body: nil, form: nil, realm: nil, ctype: nil)
  uri = URI.parse(url)
  consumer = OAuth::Consumer.new(CK, CS, site: "#{uri.scheme}://#{uri.host}:#{uri.port}")
  token = OAuth::AccessToken.new(consumer, TK, TS)
  req = Net::HTTP::Post.new(uri.request_uri)
  if form
    req.set_form_data(form)
  else
    req.body = body
    req["Content-Type"] = ctype if ctype
  end
  http = Net::HTTP.new(uri.host, uri.port)
  http.use_ssl = uri.scheme == "https"
  opts = { nonce: nonce, timestamp: TS0.to_s }
  opts[:realm] = realm if realm
  req.oauth!(http, consumer, token, opts)
  emit(name, "POST", url, req["Content-Type"], req["Authorization"], req.body)
end

local = "http://127.0.0.1:8080/v1/subscriptions/#{SUB}/publish"
tls = "https://paperboy.example.org:8443/v1/subscriptions/#{SUB}/publish"
push("html body, body hash", local, "rb1nonce", body: HTML, ctype: "text/html; charset=utf-8")
push("https port 8443, realm, query", tls + "?note=a+b&x=%E2%9C%93", "rb2nonce",
     body: HTML, ctype: "text/html; charset=utf-8", realm: "Little Printer")
push("html form field", local, "rb3nonce", form: { "html" => HTML })
push("html query parameter, empty body", local + "?html=%3Cp%3Ehi%20there%3C%2Fp%3E", "rb4nonce",
     body: "", ctype: "text/html; charset=utf-8")
