// Herald's push service worker: shows each status update the page sends (already decrypted by
// the browser), opens the update's page on a click, and unsubscribes from the notification's
// "Unsubscribe" action (the page's one-click unsubscribe link, then the browser's subscription).
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var m = {};
  try {
    m = event.data ? event.data.json() : {};
  } catch (e) {
    m = { body: event.data ? event.data.text() : "" };
  }
  var actions = m.unsubscribe_url ? [{ action: "unsubscribe", title: "Unsubscribe" }] : [];
  event.waitUntil(self.registration.showNotification(m.title || "Status update", {
    body: m.body || "",
    tag: m.tag,
    renotify: Boolean(m.tag),
    data: { url: m.url, unsubscribe: m.unsubscribe_url },
    actions: actions,
  }));
});

// Only links to this host or over https are followed (the payload is the page's own, readable
// only with this browser's keys, but a link is a link).
function ours(url) {
  try {
    var u = new URL(url);
    return u.origin === self.location.origin || u.protocol === "https:";
  } catch (e) {
    return false;
  }
}

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  event.notification.close();
  if (event.action === "unsubscribe") {
    var posted = data.unsubscribe && ours(data.unsubscribe)
      ? fetch(data.unsubscribe, { method: "POST" })
      : Promise.resolve();
    event.waitUntil(posted.then(function () {
      return self.registration.pushManager.getSubscription();
    }).then(function (sub) {
      return sub && sub.unsubscribe();
    }));
    return;
  }
  if (data.url && ours(data.url)) {
    event.waitUntil(self.clients.openWindow(data.url));
  }
});
