// paperboy's service worker: it makes the web app installable and shows a
// page of its own when the server cannot be reached. It keeps the shell
// (the stylesheet, the script, the icons and the offline page), which hold
// nobody's data, and never a page, an API answer or a form's: those
// always go to the server. The server writes its version into CACHE, so a
// deploy that changes a file is a new worker with a new cache, and the old
// cache goes when it takes over.
"use strict";
var CACHE = "paperboy-VERSION";
var OFFLINE = "/offline";
var SHELL = [
  "/static/style.css",
  "/static/app.js",
  "/static/icon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/icon-maskable-512.png",
  "/static/icons/apple-touch-icon.png",
  OFFLINE
];

self.addEventListener("install", function (e) {
  // cache: "reload" skips the browser's HTTP cache, which may still hold
  // the files of the deploy before.
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return c.addAll(SHELL.map(function (u) { return new Request(u, { cache: "reload" }); }));
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("paperboy-") === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () {
    return self.clients.claim();
  }));
});

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) {
    return; // a form, a share, another site: the browser's own way
  }
  if (req.mode === "navigate") {
    // Pages carry their user's data: from the server only, or, when it
    // cannot be reached, the offline page.
    e.respondWith(fetch(req).catch(function () {
      return caches.match(OFFLINE);
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    // The same for everyone: from the cache first, kept when not there.
    e.respondWith(caches.open(CACHE).then(function (c) {
      return c.match(req).then(function (hit) {
        return hit || fetch(req).then(function (resp) {
          if (resp.ok) {
            c.put(req, resp.clone());
          }
          return resp;
        });
      });
    }));
  }
  // Anything else (pictures of prints, previews, the API) is not touched.
});

// A notice pushed by the server (its payload is JSON: title, body, the
// page to open, and a tag so that one notice shows once).
self.addEventListener("push", function (e) {
  var n = {};
  try {
    n = e.data ? e.data.json() : {};
  } catch (err) {
    n = { title: "paperboy", body: e.data ? e.data.text() : "" };
  }
  e.waitUntil(self.registration.showNotification(n.title || "paperboy", {
    body: n.body || "",
    tag: n.tag || undefined,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: { url: n.url || "/notices" }
  }));
});

// Opening a notification opens its page: in the app's window if one is
// open, else a new one.
self.addEventListener("notificationclick", function (e) {
  e.notification.close();
  var path = (e.notification.data && e.notification.data.url) || "/notices";
  var url = new URL(path, self.location.origin);
  if (url.origin !== self.location.origin) {
    url = new URL("/notices", self.location.origin);
  }
  e.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (wins) {
    for (var i = 0; i < wins.length; i++) {
      if (new URL(wins[i].url).origin === url.origin && "navigate" in wins[i]) {
        return wins[i].navigate(url.href).then(function (w) { return w && w.focus(); });
      }
    }
    return self.clients.openWindow(url.href);
  }));
});
