/* The live page of a peak simulation: redraw from data.json every data-refresh seconds while it runs. */
(function () {
  "use strict";
  var root = document.getElementById("sim");
  var labels = JSON.parse(document.getElementById("sim-labels").textContent);

  function text(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }

  function render(data) {
    text("sim-status", data.status_label);
    var latest = data.latest || {};
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var v = latest[el.dataset.figure];
      el.textContent = v === undefined || v === null ? "—" : v;
    });
    var faults = document.getElementById("sim-faults");
    faults.innerHTML = "";
    (data.faults || []).forEach(function (f) {
      var li = document.createElement("li");
      li.textContent = f.at_s + " s · " + f.fault + ": " + f.what;
      faults.appendChild(li);
    });
    if (data.result) {
      var table = document.getElementById("sim-result");
      table.hidden = false;
      table.querySelectorAll("[data-result]").forEach(function (el) {
        var v = data.result[el.dataset.result];
        el.textContent = v === undefined || v === null ? "—" : v;
      });
    }
    var error = document.getElementById("sim-error");
    if (data.error) { error.hidden = false; error.textContent = data.error; }
    window.peakCharts({ samples: data.samples || [] }, labels);
    return data.status === "queued" || data.status === "running";
  }

  function tick() {
    fetch(root.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (render(data)) setTimeout(tick, root.dataset.refresh * 1000); })
      .catch(function () { setTimeout(tick, root.dataset.refresh * 1000); });
  }

  if (render(JSON.parse(document.getElementById("sim-initial").textContent))) {
    setTimeout(tick, root.dataset.refresh * 1000);
  }
})();
