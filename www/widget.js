/*! Herald widget loader: one request for banner JSON; the wasm banner loads only when there is
    something to show. Never throws into the host page. */
(function (w, d) {
  "use strict";
  var s = d.currentScript;
  if (!s || w.Herald) return;
  var o = s.dataset, page = o.page;
  var ep = (o.endpoint || new URL(s.src, d.baseURI).origin).replace(/\/+$/, "");
  var floor = +o.pollFloor || 0, fails = 0, timer = 0, done = false;
  function warn(m, e) { try { console.warn("[herald] " + m, e === undefined ? "" : e); } catch (_) {} }
  if (!page) return warn("data-page is missing on the script tag");
  var url = ep + "/v1/pages/" + encodeURIComponent(page) + "/banner.json";
  function later(secs) {
    var base = Math.max(secs || 60, floor, 1);
    var wait = Math.min(base * Math.pow(2, Math.min(fails, 10)), Math.max(600, base));
    timer = setTimeout(poll, wait * (900 + Math.random() * 200));
  }
  function show(text) {
    done = true;
    import(ep + "/herald_widget.js")
      .then(function (m) {
        return m.default({ module_or_path: ep + "/herald_widget_bg.wasm" }).then(function () {
          m.mount(JSON.stringify({ page: page, endpoint: ep, position: o.position, poll_floor: floor }), text);
        });
      })
      .catch(function (e) { warn("widget failed to load", e); });
  }
  function poll() {
    if (done) return;
    fetch(url, { cache: "no-cache", credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (text) {
        var b = JSON.parse(text);
        fails = 0;
        if (b && b.item) show(text); else later(b && b.poll_after);
      })
      .catch(function (e) {
        if (!fails++) warn("status unavailable, retrying", e);
        later(60);
      });
  }
  w.Herald = { version: 1, destroy: function () { done = true; clearTimeout(timer); var h = d.getElementById("herald-widget"); if (h) h.remove(); } };
  poll();
})(window, document);
