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
