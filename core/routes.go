package core

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler is every route of the server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/connection", s.handleConnection)
	mux.HandleFunc("GET /healthz", s.wrap(s.handleHealth))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))

	mux.HandleFunc("POST /api/v1/printers/claim", s.wrap(s.authed(s.handlePrinterClaim)))
	mux.HandleFunc("GET /api/v1/printers", s.wrap(s.authed(s.handlePrinterList)))
	mux.HandleFunc("POST /api/v1/printers/{id}/print", s.wrap(s.authed(s.handlePrinterPrint)))
	mux.HandleFunc("PATCH /api/v1/printers/{id}", s.wrap(s.authed(s.handlePrinterChange)))
	mux.HandleFunc("GET /api/v1/printers/{id}/subscriptions", s.wrap(s.authed(s.handleSubscriptionList)))
	mux.HandleFunc("POST /api/v1/printers/{id}/subscriptions", s.wrap(s.authed(s.handleSubscriptionCreate)))
	mux.HandleFunc("GET /api/v1/subscriptions/{sub}", s.wrap(s.authed(s.handleSubscriptionGet)))
	mux.HandleFunc("PATCH /api/v1/subscriptions/{sub}", s.wrap(s.authed(s.handleSubscriptionChange)))
	mux.HandleFunc("DELETE /api/v1/subscriptions/{sub}", s.wrap(s.authed(s.handleSubscriptionDelete)))
	mux.HandleFunc("GET /api/v1/subscriptions/{sub}/preview.png", s.wrap(s.authed(s.handleSubscriptionPreview)))
	mux.HandleFunc("GET /api/v1/publications", s.wrap(s.authed(s.handlePublicationList)))
	mux.HandleFunc("POST /api/v1/printers/{id}/editions", s.wrap(s.authed(s.handleEditionPrint)))
	mux.HandleFunc("POST /api/v1/printers/{id}/personality", s.wrap(s.authed(s.handlePrinterPersonality)))
	mux.HandleFunc("GET /api/v1/printers/{id}/deliveries", s.wrap(s.authed(s.handleDeliveryList)))
	mux.HandleFunc("GET /api/v1/printers/{id}/deliveries/{delivery}/preview.png", s.wrap(s.authed(s.handleDeliveryPreview)))

	// The web app: pages, each through s.web (security headers, session,
	// CSRF check of every POST).
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /{$}", s.web(s.handleHome))
	mux.HandleFunc("GET /signup", s.web(s.handleSignUpPage))
	mux.HandleFunc("POST /signup", s.web(s.handleSignUp))
	mux.HandleFunc("GET /signin", s.web(s.handleSignInPage))
	mux.HandleFunc("POST /signin", s.web(s.handleSignIn))
	mux.HandleFunc("POST /signout", s.web(s.handleSignOut))
	mux.HandleFunc("POST /printers/claim", s.web(s.signedIn(s.handleWebClaim)))
	mux.HandleFunc("GET /printers/{id}", s.web(s.signedIn(s.handlePrinterPage)))
	mux.HandleFunc("POST /printers/{id}/time-zone", s.web(s.signedIn(s.handleWebTimeZone)))
	mux.HandleFunc("POST /printers/{id}/print", s.web(s.signedIn(s.handleWebPrint)))
	mux.HandleFunc("GET /printers/{id}/deliveries/{delivery}/preview.png", s.web(s.signedIn(s.handleDeliveryPreview)))
	mux.HandleFunc("POST /printers/{id}/deliveries/{delivery}/reprint", s.web(s.signedIn(s.handleWebReprint)))
	mux.HandleFunc("POST /printers/{id}/deliveries/{delivery}/delete", s.web(s.signedIn(s.handleWebDeliveryDelete)))
	mux.HandleFunc("GET /publications", s.web(s.signedIn(s.handlePublicationsPage)))
	mux.HandleFunc("GET /printers/{id}/subscribe", s.web(s.signedIn(s.handleSubscribePage)))
	mux.HandleFunc("POST /printers/{id}/subscribe", s.web(s.signedIn(s.handleWebSubscribe)))
	mux.HandleFunc("POST /subscriptions/{sub}/{action}", s.web(s.signedIn(s.handleWebSubscriptionChange)))

	mux.HandleFunc("/api/", s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound("no such API endpoint: " + r.Method + " " + r.URL.Path)
	}))
	return mux
}
