/* Shared by the mobile floor pages: the scanner field, the loud block, and a post queue that survives
   reloads and flaky networks (localStorage + retry with back-off; every post carries a client id so a
   retried post is applied once). */
(function () {
  "use strict";
  var OH = window.OH = {};
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var audio = null;
  window.__ohAlarms = 0;

  OH.uid = function () {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  };
  OH.load = function (key, fallback) {
    try { var raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
  };
  OH.save = function (key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full: keep going */ }
  };
  OH.url = function (template, id) { return template.replace("/0/", "/" + id + "/"); };

  OH.alarm = function () {
    window.__ohAlarms += 1;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { audio.resume(); }
      [0, 0.25, 0.5].forEach(function (at) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = "square"; osc.frequency.value = 880;
        gain.gain.value = 0.4;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.18);
      });
    } catch (e) { /* no audio: the screen and vibration still say it */ }
    if (navigator.vibrate) { try { navigator.vibrate([300, 100, 300, 100, 300]); } catch (e) {} }
  };
  OH.ding = function () {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(); osc.frequency.value = 1320; osc.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.06);
    } catch (e) {}
  };

  var block = document.getElementById("block");
  OH.block = function (message, hint, dismissable) {
    document.getElementById("block-message").textContent = message;
    document.getElementById("block-hint").textContent = hint || "";
    var dismiss = document.getElementById("block-dismiss");
    dismiss.hidden = !dismissable;
    block.hidden = false;
    document.body.dataset.blocked = "1";
    OH.alarm();
    OH.focusScan();
  };
  OH.unblock = function () {
    block.hidden = true;
    document.body.dataset.blocked = "0";
    OH.focusScan();
  };
  OH.isBlocked = function () { return document.body.dataset.blocked === "1"; };
  document.getElementById("block-dismiss").addEventListener("click", function () { OH.unblock(); });

  OH.focusScan = function () {
    var field = document.getElementById("scan");
    if (field && document.activeElement !== field && !(document.activeElement && document.activeElement.dataset.keepFocus)) {
      field.focus();
    }
  };
  // The scanner types into whatever has focus: keep it on the scan field unless staff are typing elsewhere.
  document.addEventListener("click", function (e) {
    if (!e.target.closest("input, select, textarea, a")) { setTimeout(OH.focusScan, 0); }
  });

  OH.request = function (method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text.slice(0, 200) }; }
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  };

  /* The queue: posts that must reach the server eventually, in order. */
  OH.Queue = function (key, onResult) {
    this.key = key; this.onResult = onResult || function () {};
    this.items = OH.load(key, []); this.busy = false; this.delay = 1000; this.timer = null;
    var self = this;
    window.addEventListener("online", function () { self.delay = 1000; self.flush(); });
    this.render();
  };
  OH.Queue.prototype.push = function (url, body) {
    this.items.push({ id: body.client_id || OH.uid(), url: url, body: body });
    OH.save(this.key, this.items); this.render(); this.flush();
  };
  OH.Queue.prototype.render = function () {
    var net = document.getElementById("net");
    if (!net) { return; }
    var n = this.items.length;
    net.className = "net" + (n ? (navigator.onLine === false ? " offline" : " pending") : "");
    net.textContent = n ? (navigator.onLine === false ? "✕ " : "↻ ") + n : "✓";
    net.setAttribute("aria-label", n ? n + " waiting to send" : "all saved");
    net.dataset.pending = String(n);
  };
  OH.Queue.prototype.flush = function () {
    var self = this;
    if (self.busy || !self.items.length) { self.render(); return; }
    self.busy = true;
    var item = self.items[0];
    OH.request("POST", item.url, item.body).then(function (result) {
      self.busy = false;
      if (result.status >= 500) { throw new Error("server " + result.status); }
      self.items.shift(); OH.save(self.key, self.items); self.delay = 1000;
      self.onResult(item, result);
      self.render(); self.flush();
    }).catch(function () {
      self.busy = false; self.render();
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.flush(); }, self.delay);
      self.delay = Math.min(self.delay * 2, 30000);
    });
  };
})();
