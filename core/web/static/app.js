// paperboy's one script: asks before a form marked data-confirm is sent,
// and offers the browser's time zone on a time-zone select.
"use strict";
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-zone-detect]");
  var select = document.getElementById("time_zone");
  if (!button || !select || !window.Intl) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!zone || !known || zone === select.value) {
    return;
  }
  button.textContent = "Use this device's time zone (" + zone + ")";
  button.hidden = false;
  button.addEventListener("click", function () {
    select.value = zone;
  });
});

// A picture with data-fallback (a sample print, the next edition) that
// cannot be shown, because it failed or there is none, is replaced by the
// sentence the attribute holds. Errors after this script runs are caught
// as they happen (error events do not bubble, so in the capture phase);
// those before, by looking at each picture once the page is read.
(function () {
  function fallback(img) {
    var p = document.createElement("p");
    p.className = "muted fallback";
    p.setAttribute("role", "status");
    p.textContent = img.getAttribute("data-fallback");
    if (img.parentNode) {
      img.parentNode.replaceChild(p, img);
    }
  }
  document.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t.tagName === "IMG" && t.hasAttribute("data-fallback")) {
      fallback(t);
    }
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("img[data-fallback]"), function (img) {
      if (img.complete && img.naturalWidth === 0) {
        fallback(img);
      }
    });
  });
})();

// The send page: a drawing made on the canvas goes as the message's
// picture (unless a photo is chosen), and Preview shows the note as it
// will print, rendered by the server.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("send-form");
  var canvas = document.getElementById("drawing");
  if (!form || !canvas || !canvas.getContext) {
    return;
  }
  var ctx = canvas.getContext("2d");
  var drawn = false;
  var last = null;
  function clear() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    drawn = false;
  }
  function point(e) {
    var box = canvas.getBoundingClientRect();
    return { x: (e.clientX - box.left) * canvas.width / box.width, y: (e.clientY - box.top) * canvas.height / box.height };
  }
  clear();
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 5;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    ctx.beginPath();
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fillStyle = "#000";
    ctx.fill();
    drawn = true;
  });
  function lineTo(e) {
    if (!last) {
      return;
    }
    var p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  }
  canvas.addEventListener("pointermove", lineTo);
  canvas.addEventListener("pointerup", function (e) {
    lineTo(e);
    last = null;
  });
  canvas.addEventListener("pointercancel", function () { last = null; });
  form.querySelector("[data-draw]").hidden = false;
  form.querySelector("[data-draw-clear]").addEventListener("click", clear);

  var photo = document.getElementById("image");
  // withDrawing calls then with the form's data, the drawing as its
  // picture when there is one and no photo.
  function withDrawing(then) {
    var data = new FormData(form);
    if (!drawn || (photo.files && photo.files.length > 0)) {
      then(data, null);
      return;
    }
    canvas.toBlob(function (blob) {
      data.set("image", blob, "drawing.png");
      then(data, blob);
    }, "image/png");
  }

  var sending = false;
  form.addEventListener("submit", function (e) {
    if (sending || !drawn || (photo.files && photo.files.length > 0)) {
      return;
    }
    e.preventDefault();
    withDrawing(function (data, blob) {
      var files = new DataTransfer();
      files.items.add(new File([blob], "drawing.png", { type: "image/png" }));
      photo.files = files.files;
      sending = true;
      form.submit();
    });
  });

  var button = form.querySelector("[data-preview]");
  var img = document.getElementById("preview");
  var problem = document.getElementById("preview-error");
  button.hidden = false;
  button.addEventListener("click", function () {
    problem.hidden = true;
    button.disabled = true;
    withDrawing(function (data) {
      fetch(form.getAttribute("data-preview-url"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (resp) {
          if (resp.ok) {
            return resp.blob().then(function (b) {
              if (img.src) {
                URL.revokeObjectURL(img.src);
              }
              img.src = URL.createObjectURL(b);
              img.hidden = false;
            });
          }
          return resp.json().then(function (body) {
            throw new Error(body.error || ("the preview failed (" + resp.status + ")"));
          });
        })
        .catch(function (err) {
          problem.textContent = err.message;
          problem.hidden = false;
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  });
});

// A button that copies its data-copy to the clipboard, where there is one.
document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (b) {
    if (!navigator.clipboard) {
      return;
    }
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
        b.textContent = "Copied";
      });
    });
  });
});

// The service worker (/sw.js) makes the app installable on a phone, and a
// share target, and shows a page of its own when the server cannot be
// reached. Where there is none (plain HTTP but for this machine, an old
// browser) the app works as it is, so a failure is not reported.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  });
}

// Notifications: on the notice settings page, a button subscribes this
// browser to Web Push with the server's key (data-push-key) and sends the
// subscription to the server through the page's form, with its CSRF
// token. Browsers without Web Push (an iPhone's Safari outside the
// installed app) are told why there is no button.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("push-settings");
  if (!box) {
    return;
  }
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  var form = document.getElementById("push-form");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.Notification) {
    status.textContent = "This browser cannot take notifications here. On an iPhone or iPad, add paperboy to the home screen and turn them on in the app.";
    return;
  }
  function key(b64) {
    var s = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) {
      out[i] = s.charCodeAt(i);
    }
    return out;
  }
  navigator.serviceWorker.ready.then(function (reg) {
    return reg.pushManager.getSubscription().then(function (sub) {
      if (sub) {
        status.textContent = "Notifications are on in this browser.";
        button.textContent = "Turn them on here again";
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        Notification.requestPermission().then(function (perm) {
          if (perm !== "granted") {
            status.textContent = "Notifications are blocked for this site: allow them in the browser's settings, then try again.";
            return null;
          }
          // A browser with no push service to reach may never answer.
          var slow = setTimeout(function () {
            status.textContent = "This browser's push service does not answer: try again later.";
          }, 30000);
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.getAttribute("data-push-key")) }).then(function (s) {
            clearTimeout(slow);
            form.elements.subscription.value = JSON.stringify(s.toJSON());
            form.submit();
          }, function (err) {
            clearTimeout(slow);
            throw err;
          });
        }).catch(function (err) {
          status.textContent = "Notifications could not be turned on: " + err.message;
        });
      });
    });
  });
});
