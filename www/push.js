// Herald status page: "notify me in this browser". Progressive: the form stays hidden unless this
// browser can receive push. It registers the page's service worker (/push-sw.js, scoped to the
// page's path), subscribes with the page's VAPID key and posts the subscription with the chosen
// components. No double opt-in: the browser's permission prompt is the consent.
(function () {
  "use strict";
  var box = document.getElementById("push");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window) || !window.isSecureContext) {
    return;
  }
  var form = box.querySelector("form");
  var said = box.querySelector("[role=status]");
  var button = form.querySelector("button");
  box.hidden = false;

  function say(text) {
    said.textContent = text;
  }

  function bytes(b64url) {
    var s = atob(b64url.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  // A registration made from a page outside its scope never becomes "ready" for that page:
  // wait for its own worker to activate instead.
  function activated(reg) {
    return new Promise(function (resolve) {
      if (reg.active) return resolve(reg);
      var w = reg.installing || reg.waiting;
      w.addEventListener("statechange", function () {
        if (w.state === "activated") resolve(reg);
      });
    });
  }

  async function subscribe() {
    var components = Array.prototype.map.call(
      form.querySelectorAll("input[name=components]:checked"),
      function (i) { return i.value; });
    var permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say("Notifications are turned off for this site in your browser's settings.");
      return;
    }
    var reg = await activated(await navigator.serviceWorker.register(
      "/push-sw.js", { scope: box.dataset.scope }));
    var sub = await reg.pushManager.getSubscription();
    if (!sub) {
      var key = await (await fetch(box.dataset.key)).json();
      sub = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: bytes(key.public_key),
      });
    }
    var body = sub.toJSON();
    body.components = components;
    // Notifications come in the browser's language when the page offers it.
    body.locale = navigator.language || "";
    var answer = await fetch(box.dataset.action, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (answer.ok) {
      say("Done: this browser will show a notification for each update.");
    } else {
      var problem = await answer.json().catch(function () { return {}; });
      say("Not subscribed: " + (problem.detail || "the request was refused") + ".");
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    button.disabled = true;
    say("");
    subscribe().catch(function (err) {
      say("Not subscribed: " + err.message);
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
