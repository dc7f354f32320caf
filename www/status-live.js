// Herald status page, live. The page is complete without this script: it only opens the page's
// live socket and, when the public summary changes, fetches the page again and swaps its live
// sections (overall status, incidents, maintenance, notices, components, history) in place, then
// says so politely to screen readers. The subscribe forms are never touched.
(function () {
  var me = document.currentScript, path = me && me.getAttribute("data-live");
  var note = document.getElementById("live-note");
  if (!path || !window.WebSocket || !window.DOMParser || !window.fetch) return;
  var url = location.origin.replace(/^http/, "ws") + path, tag = null, wait = 2000;
  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var next = doc.querySelectorAll("main [data-live]"), old = document.querySelectorAll("main [data-live]");
    if (!next.length || !old.length) return;
    for (var i = 0; i < next.length; i++) old[0].parentNode.insertBefore(document.importNode(next[i], true), old[0]);
    for (var j = 0; j < old.length; j++) old[j].remove();
    var overall = document.getElementById("overall-title");
    if (note && overall) note.textContent = "Status updated: " + overall.textContent;
  }
  function refresh() {
    fetch(location.pathname, { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html) swap(html); })
      .catch(function () {});
  }
  function open() {
    var ws = new WebSocket(url);
    ws.onmessage = function (e) {
      wait = 2000;
      var m;
      try { m = JSON.parse(e.data); } catch (_) { return; }
      if (tag !== null && m.summary !== tag) refresh();
      tag = m.summary;
    };
    ws.onclose = function () {
      setTimeout(open, wait * (0.8 + 0.4 * Math.random()));
      wait = Math.min(wait * 2, 300000);
    };
  }
  open();
})();
