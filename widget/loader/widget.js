/* Herald widget loader (readable source of www/widget.js; rebuild with
    `node_modules/.bin/esbuild widget/loader/widget.js --minify --target=es2017 --outfile=www/widget.js`).
    One request for banner JSON; the wasm banner loads only when there is something to show, or when
    the host asks for the subscribe form (`Herald.openSubscribe()`): then the glue and the wasm are
    fetched at the same time and the wasm compiles while it downloads (the glue's init gets the
    wasm's response). `cargo xtask dist`
    writes the content-hashed file names over `@@...@@`; those files are cached as immutable. Never
    throws into the host page. */
(function (w, d) {
  "use strict";
  var s = d.currentScript;
  if (!s || w.Herald) return;
  var assets = new URL(".", s.src).href, cfg, timer, gen = 0, fails = 0, adv, shown, last, mods = {};
  function warn(m, e) {
    try { console.warn("[herald] " + m, e == null ? "" : e); } catch (_) {}
  }
  function sp() { return cfg.format == "statuspage"; }
  function later(my, secs) {
    var base = Math.max(secs || 60, +cfg.pollFloor || 0, 1);
    timer = setTimeout(function () { poll(my); },
      Math.min(base * Math.pow(2, Math.min(fails, 10)), Math.max(600, base)) * (900 + Math.random() * 200));
  }
  function poll(my) {
    if (my != gen) return;
    if (d.hidden) return d.addEventListener("visibilitychange", function () { poll(my); }, { once: true });
    fetch(sp() ? cfg.src : cfg.endpoint + "/v1/pages/" + encodeURIComponent(cfg.page) + "/banner.json" +
      (cfg.token ? "?token=" + encodeURIComponent(cfg.token) : ""), { cache: "no-cache", credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (t) {
        var j = JSON.parse(t);
        if (my != gen) return;
        fails = 0;
        last = t;
        // Statuspage: a cheap look for anything unresolved; the wasm decides what to show.
        if (sp() ? (j.incidents || []).length || (j.scheduled_maintenances || []).length : j.item) show(my, t);
        else later(my, adv = j.poll_after);
      })
      .catch(function (e) {
        if (!fails++) warn("status unavailable, retrying", e);
        later(my, adv);
      });
  }
  // `open`: mount with the subscribe form open, or open it in the widget already on the page.
  function show(my, t, open) {
    shown = 1;
    // Statuspage sources need the build that carries their reader.
    var n = assets + "w/" + (sp() ? "@@herald_widget_sp@@" : "@@herald_widget@@");
    // The glue is asked for first: it is small, and it must run before the wasm can compile.
    (mods[n] = mods[n] || (function (glue) {
      var wasm = fetch(n + ".wasm");
      return glue.then(function (m) {
        return m.default({ module_or_path: wasm }).then(function () { return m; });
      });
    })(import(n + ".js")))
      .then(function (m) {
        if (my != gen) return;
        if (open && d.getElementById("herald-widget")) m.open_subscribe();
        else m.mount(JSON.stringify(Object.assign({}, cfg, { open: open && "subscribe" }), function (k, v) { return k && v != null ? String(v) : v; }), t || "");
      })
      // A failed download, or a trap inside the wasm (the release build aborts on a panic): no
      // half-built widget stays on the page.
      .catch(function (e) { mods[n] = 0; unmount(); warn("widget failed to load", e); });
  }
  function unmount() {
    var h = d.getElementById("herald-widget");
    if (h) h.remove();
  }
  function destroy() {
    gen++;
    shown = last = 0;
    clearTimeout(timer);
    unmount();
  }
  function init(o) {
    try {
      destroy();
      cfg = Object.assign({}, s.dataset, o);
      cfg.endpoint = (cfg.endpoint || new URL(s.src).origin).replace(/\/+$/, "");
      if (sp()) cfg.src = new URL(cfg.src, d.baseURI).href;
      else if (!cfg.page) return warn("no page: set data-page or Herald.init({page})");
      poll(gen);
    } catch (e) { warn("bad options", e); }
  }
  w.addEventListener("online", function () {
    if (cfg && !shown) { clearTimeout(timer); poll(++gen); }
  });
  w.Herald = {
    version: 2,
    init: init,
    destroy: destroy,
    setAudienceToken: function (t) { init(Object.assign({}, cfg, { token: t })); },
    // The form lives in the wasm widget: on a quiet day this loads it (and it takes over polling).
    openSubscribe: function () {
      if (!cfg) return;
      if (!shown) { clearTimeout(timer); gen++; }
      show(gen, last, 1);
    }
  };
  if (s.dataset.page || s.dataset.src) init();
})(window, document);
