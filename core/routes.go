package core

import (
	"net/http"
)

// Handler is every route of the server.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/connection", s.handleConnection)
	mux.HandleFunc("GET /healthz", s.wrap(s.handleHealth))
	if s.cfg.MetricsToken != "" {
		mux.Handle("GET /metrics", s.metricsToken(s.metricsHandler()))
	}

	mux.HandleFunc("POST /api/v1/printers/claim", s.wrap(s.authed(s.handlePrinterClaim)))
	mux.HandleFunc("GET /api/v1/printers", s.wrap(s.authed(s.handlePrinterList)))
	mux.HandleFunc("POST /api/v1/printers/{id}/print", s.wrap(s.authed(s.handlePrinterPrint)))
	mux.HandleFunc("PATCH /api/v1/printers/{id}", s.wrap(s.authed(s.handlePrinterChange)))
	mux.HandleFunc("POST /api/v1/printers/{id}/move", s.wrap(s.authed(s.handlePrinterMove)))
	mux.HandleFunc("GET /api/v1/printers/{id}/events", s.wrap(s.authed(s.handlePrinterEvents)))
	mux.HandleFunc("GET /api/v1/printers/{id}/subscriptions", s.wrap(s.authed(s.handleSubscriptionList)))
	mux.HandleFunc("POST /api/v1/printers/{id}/subscriptions", s.wrap(s.authed(s.handleSubscriptionCreate)))
	mux.HandleFunc("GET /api/v1/subscriptions/{sub}", s.wrap(s.authed(s.handleSubscriptionGet)))
	mux.HandleFunc("PATCH /api/v1/subscriptions/{sub}", s.wrap(s.authed(s.handleSubscriptionChange)))
	mux.HandleFunc("DELETE /api/v1/subscriptions/{sub}", s.wrap(s.authed(s.handleSubscriptionDelete)))
	mux.HandleFunc("GET /api/v1/subscriptions/{sub}/preview.png", s.wrap(s.authed(s.handleSubscriptionPreview)))
	mux.HandleFunc("GET /api/v1/publications", s.wrap(s.authed(s.handlePublicationList)))
	mux.HandleFunc("POST /api/v1/publications", s.wrap(s.authed(s.handlePublicationAdd)))
	mux.HandleFunc("DELETE /api/v1/publications/{name}", s.wrap(s.authed(s.handlePublicationRemove)))
	mux.HandleFunc("GET /api/v1/publications/{name}/icon.png", s.wrap(s.authed(s.handlePublicationIcon)))
	mux.HandleFunc("POST /api/v1/printers/{id}/editions", s.wrap(s.authed(s.handleEditionPrint)))
	mux.HandleFunc("POST /api/v1/printers/{id}/personality", s.wrap(s.authed(s.handlePrinterPersonality)))
	mux.HandleFunc("GET /api/v1/printers/{id}/deliveries", s.wrap(s.authed(s.handleDeliveryList)))
	mux.HandleFunc("POST /api/v1/printers/{id}/keys", s.wrap(s.authed(s.handleKeyCreate)))
	mux.HandleFunc("GET /api/v1/printers/{id}/keys", s.wrap(s.authed(s.handleKeyList)))
	mux.HandleFunc("DELETE /api/v1/printers/{id}/keys/{key}", s.wrap(s.authed(s.handleKeyDelete)))

	// Print keys: a secret address prints, with no account (its code is in
	// the path: logPath never logs it). A GET is its status for a script,
	// or for a browser a page to print from; BERG's direct print takes
	// the same codes.
	mux.HandleFunc("GET /api/v1/notices", s.wrap(s.authed(s.handleNoticeList)))
	mux.HandleFunc("POST /api/v1/notices/read", s.wrap(s.authed(s.handleNoticesRead)))
	mux.HandleFunc("GET /api/v1/notices/settings", s.wrap(s.authed(s.handleNoticeSettings)))
	mux.HandleFunc("PUT /api/v1/notices/settings", s.wrap(s.authed(s.handleNoticeSettingsChange)))
	mux.HandleFunc("PUT /api/v1/notices/webhook", s.wrap(s.authed(s.handleWebhookSet)))
	mux.HandleFunc("DELETE /api/v1/notices/webhook", s.wrap(s.authed(s.handleWebhookDelete)))
	mux.HandleFunc("POST /api/v1/notices/webhook/test", s.wrap(s.authed(s.handleWebhookTest)))
	mux.HandleFunc("GET /api/v1/notices/webhook/deliveries", s.wrap(s.authed(s.handleWebhookLog)))
	mux.HandleFunc("POST /api/v1/notices/push", s.wrap(s.authed(s.handlePushAdd)))
	mux.HandleFunc("DELETE /api/v1/notices/push/{id}", s.wrap(s.authed(s.handlePushDelete)))
	mux.HandleFunc("POST /k/{code}", s.wrap(s.handleKeyPost))
	mux.HandleFunc("GET /k/{code}", s.webPage(s.handleKeyGet, false))
	mux.HandleFunc("POST /playground/direct_print/{code}", s.wrap(s.handleDirectPrint))

	// BERG's Push API: a push subscription's endpoint, and the status of
	// what was pushed, for its publication (signed with its credentials).
	mux.HandleFunc("POST /v1/subscriptions/{push}/publish", s.wrap(s.handlePush))
	mux.HandleFunc("GET /v1/subscriptions/{push}/deliveries/{delivery}", s.wrap(s.handlePushStatus))
	mux.HandleFunc("GET /api/v1/printers/{id}/deliveries/{delivery}/preview.png", s.wrap(s.authed(s.handleDeliveryPreview)))

	// The web app: pages, each through s.web (security headers, session,
	// CSRF check of every POST).
	mux.Handle("GET /static/", staticHandler())
	// The installable app (web_app.go): its manifest and service worker at
	// the root, the worker's offline page, and the share target, which
	// prints nothing itself, so takes a share without a CSRF token.
	mux.HandleFunc("GET /manifest.webmanifest", handleManifest)
	mux.HandleFunc("GET /sw.js", handleServiceWorker)
	mux.HandleFunc("GET /offline", s.handleOffline)
	mux.HandleFunc("GET /share", s.web(s.signedIn(s.handleShare)))
	mux.HandleFunc("POST /share", s.webPage(s.signedIn(s.handleShare), false))
	mux.HandleFunc("POST /share/send", s.web(s.signedIn(s.handleShareSend)))
	mux.HandleFunc("POST /share/send/preview", s.web(s.signedIn(s.handleShareSendPreview)))
	mux.HandleFunc("GET /{$}", s.web(s.handleHome))
	mux.HandleFunc("GET /signup", s.web(s.handleSignUpPage))
	mux.HandleFunc("POST /signup", s.web(s.handleSignUp))
	mux.HandleFunc("GET /signin", s.web(s.handleSignInPage))
	mux.HandleFunc("POST /signin", s.web(s.handleSignIn))
	mux.HandleFunc("POST /signout", s.web(s.handleSignOut))
	// Getting back in: a reset link by email (its token is in the path:
	// logPath never logs it), and the account's own page.
	mux.HandleFunc("GET /forgot", s.web(s.handleForgotPage))
	mux.HandleFunc("POST /forgot", s.web(s.handleForgot))
	mux.HandleFunc("GET /reset/{token}", s.web(s.handleResetPage))
	mux.HandleFunc("POST /reset/{token}", s.web(s.handleReset))
	mux.HandleFunc("GET /account", s.web(s.signedIn(s.handleAccountPage)))
	mux.HandleFunc("POST /account/password", s.web(s.signedIn(s.handleChangePassword)))
	mux.HandleFunc("POST /account/delete", s.web(s.signedIn(s.handleDeleteAccount)))
	mux.HandleFunc("POST /printers/claim", s.web(s.signedIn(s.handleWebClaim)))
	mux.HandleFunc("GET /printers/{id}", s.web(s.signedIn(s.handlePrinterPage)))
	mux.HandleFunc("POST /printers/{id}/time-zone", s.web(s.signedIn(s.handleWebPrinterChange)))
	mux.HandleFunc("POST /printers/{id}/name", s.web(s.signedIn(s.handleWebPrinterChange)))
	mux.HandleFunc("POST /printers/{id}/move", s.web(s.signedIn(s.handleWebPrinterMove)))
	mux.HandleFunc("POST /printers/{id}/print", s.web(s.signedIn(s.handleWebSend))) // the printer page's form
	mux.HandleFunc("GET /printers/{id}/deliveries/{delivery}/preview.png", s.web(s.signedIn(s.handleDeliveryPreview)))
	mux.HandleFunc("POST /printers/{id}/deliveries/{delivery}/reprint", s.web(s.signedIn(s.handleWebReprint)))
	mux.HandleFunc("POST /printers/{id}/deliveries/{delivery}/delete", s.web(s.signedIn(s.handleWebDeliveryDelete)))
	mux.HandleFunc("GET /publications", s.web(s.signedIn(s.handlePublicationsPage)))
	mux.HandleFunc("POST /publications/add", s.web(s.signedIn(s.handleWebPublicationAdd)))
	mux.HandleFunc("POST /publications/{name}/remove", s.web(s.signedIn(s.handleWebPublicationRemove)))
	mux.HandleFunc("GET /publications/{name}/icon.png", s.web(s.signedIn(s.handlePublicationIcon)))
	mux.HandleFunc("GET /printers/{id}/subscribe", s.web(s.signedIn(s.handleSubscribePage)))
	mux.HandleFunc("POST /printers/{id}/subscribe", s.web(s.signedIn(s.handleWebSubscribe)))
	mux.HandleFunc("POST /subscriptions/{sub}/{action}", s.web(s.signedIn(s.handleWebSubscriptionChange)))

	// API tokens, the catalogue's sample prints, a subscription's own page
	// (its settings, saved by /change, which wins over /{action} as the
	// more specific pattern, and its next edition's preview), and a
	// printer's personality.
	mux.HandleFunc("GET /notices", s.web(s.signedIn(s.handleNoticesPage)))
	mux.HandleFunc("POST /notices/read", s.web(s.signedIn(s.handleWebNoticesRead)))
	mux.HandleFunc("GET /notices/settings", s.web(s.signedIn(s.handleNoticeSettingsPage)))
	mux.HandleFunc("POST /notices/settings", s.web(s.signedIn(s.handleWebNoticeChannels)))
	mux.HandleFunc("POST /notices/webhook", s.web(s.signedIn(s.handleWebWebhook)))
	mux.HandleFunc("POST /notices/push", s.web(s.signedIn(s.handleWebPushAdd)))
	mux.HandleFunc("POST /notices/push/{id}/remove", s.web(s.signedIn(s.handleWebPushRemove)))
	mux.HandleFunc("POST /printers/{id}/offline-notice", s.web(s.signedIn(s.handleWebOfflineNotice)))
	mux.HandleFunc("GET /tokens", s.web(s.signedIn(s.handleTokensPage)))
	mux.HandleFunc("POST /tokens", s.web(s.signedIn(s.handleWebTokenCreate)))
	mux.HandleFunc("POST /tokens/{id}/delete", s.web(s.signedIn(s.handleWebTokenDelete)))
	mux.HandleFunc("GET /publications/{name}/sample.png", s.web(s.signedIn(s.handlePublicationSample)))
	mux.HandleFunc("GET /subscriptions/{sub}", s.web(s.signedIn(s.handleSubscriptionPage)))
	mux.HandleFunc("POST /subscriptions/{sub}/change", s.web(s.signedIn(s.handleWebSubscriptionSave)))
	mux.HandleFunc("GET /subscriptions/{sub}/preview.png", s.web(s.signedIn(s.handleSubscriptionPreview)))
	mux.HandleFunc("POST /printers/{id}/personality", s.web(s.signedIn(s.handleWebPersonality)))
	mux.HandleFunc("GET /printers/{id}/keys", s.web(s.signedIn(s.handleKeysPage)))
	mux.HandleFunc("POST /printers/{id}/keys", s.web(s.signedIn(s.handleWebKeyCreate)))
	mux.HandleFunc("POST /printers/{id}/keys/{key}/revoke", s.web(s.signedIn(s.handleWebKeyRevoke)))

	// Friends: codes and invite links, who may print where, and the page a
	// message is sent from (to one's own printer or a friend's).
	mux.HandleFunc("GET /friends", s.web(s.signedIn(s.handleFriendsPage)))
	mux.HandleFunc("POST /friends/add", s.web(s.signedIn(s.handleWebFriendAdd)))
	mux.HandleFunc("POST /friends/name", s.web(s.signedIn(s.handleWebUserName)))
	mux.HandleFunc("GET /friends/add/{code}", s.web(s.signedIn(s.handleInvitePage)))
	mux.HandleFunc("POST /friends/code", s.web(s.signedIn(s.handleWebFriendCode)))
	mux.HandleFunc("POST /friends/{friend}/printers", s.web(s.signedIn(s.handleWebFriendPrinters)))
	mux.HandleFunc("POST /friends/{friend}/remove", s.web(s.signedIn(s.handleWebFriendRemove)))
	mux.HandleFunc("GET /printers/{id}/send", s.web(s.signedIn(s.handleSendPage)))
	mux.HandleFunc("POST /printers/{id}/send", s.web(s.signedIn(s.handleWebSend)))
	mux.HandleFunc("POST /printers/{id}/send/preview", s.web(s.signedIn(s.handleWebSendPreview)))
	mux.HandleFunc("GET /api/v1/tokens", s.wrap(s.authed(s.handleTokenList)))
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", s.wrap(s.authed(s.handleTokenDelete)))
	mux.HandleFunc("GET /api/v1/friends", s.wrap(s.authed(s.handleFriendList)))
	mux.HandleFunc("POST /api/v1/friends", s.wrap(s.authed(s.handleFriendAdd)))
	mux.HandleFunc("DELETE /api/v1/friends/{friend}", s.wrap(s.authed(s.handleFriendRemove)))
	mux.HandleFunc("PUT /api/v1/friends/{friend}/printers/{id}", s.wrap(s.authed(s.handleFriendPrinter)))
	mux.HandleFunc("DELETE /api/v1/friends/{friend}/printers/{id}", s.wrap(s.authed(s.handleFriendPrinter)))

	mux.HandleFunc("/api/", s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound("no such API endpoint: " + r.Method + " " + r.URL.Path)
	}))
	return s.countRequests(s.webFallback(mux)) // 404 and 405 pages outside /api/; every request counted by route
}
