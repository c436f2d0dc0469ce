/* The peak simulator's charts, for the report (offline, next to echarts.min.js) and the live page.
   peakCharts(root, data, labels): data = {seconds, offered, accepted, created, reviewed, samples:[{t, queue, inbox,
   lock_waits, locks_not_granted, connections, active, cpu_machine, cpu_web, cpu_workers, cpu_review, cpu_notify,
   cpu_postgres, cpu_redis, cpu_simulator}]}. */
(function () {
  "use strict";
  var charts = {};

  function line(name, xs, ys) { return { name: name, type: "line", showSymbol: false, data: xs.map(function (x, i) { return [x, ys[i]]; }) }; }

  function option(title, series, yName) {
    return {
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 24 },
      grid: { top: 64, left: 56, right: 24, bottom: 36 },
      xAxis: { type: "value", name: "s", min: 0 },
      yAxis: { type: "value", name: yName || "" },
      series: series,
      animation: false,
    };
  }

  function draw(id, opt) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    charts[id] = charts[id] || window.echarts.init(el);
    charts[id].setOption(opt, true);
  }

  window.peakCharts = function (data, labels) {
    var L = labels || {};
    var samples = data.samples || [];
    var ts = samples.map(function (s) { return s.t; });
    var pick = function (key) { return samples.map(function (s) { return s[key]; }); };
    if (data.seconds) {
      var secs = []; for (var i = 0; i < data.seconds; i++) secs.push(i);
      draw("chart-rate", option(L.rate || "orders/s", [
        line(L.offered || "offered", secs, data.offered),
        line(L.accepted || "accepted", secs, data.accepted),
        line(L.created || "created", secs, data.created),
        line(L.reviewed || "reviewed", secs, data.reviewed),
      ], "/s"));
    } else {
      draw("chart-rate", option(L.progress || "progress", [
        line(L.offered || "offered /s", ts, pick("offered")),
        line(L.created || "created", ts, pick("created")),
        line(L.reviewed || "reviewed", ts, pick("reviewed")),
      ]));
    }
    draw("chart-backlog", option(L.backlog || "backlog", [
      line(L.queue || "queue", ts, pick("queue")), line(L.inbox || "inbox", ts, pick("inbox")),
    ]));
    draw("chart-db", option(L.db || "PostgreSQL", [
      line(L.connections || "connections", ts, pick("connections")), line(L.active || "active", ts, pick("active")),
      line(L.lock_waits || "lock waits", ts, pick("lock_waits")), line(L.not_granted || "locks not granted", ts, pick("locks_not_granted")),
    ]));
    draw("chart-cpu", option(L.cpu || "CPU %", [
      line(L.cpu_machine || "machine", ts, pick("cpu_machine")), line(L.cpu_web || "web", ts, pick("cpu_web")),
      line(L.cpu_workers || "workers", ts, pick("cpu_workers")), line(L.cpu_review || "review", ts, pick("cpu_review")),
      line(L.cpu_notify || "messages", ts, pick("cpu_notify")), line(L.cpu_postgres || "PostgreSQL", ts, pick("cpu_postgres")),
      line(L.cpu_redis || "Redis", ts, pick("cpu_redis")), line(L.cpu_simulator || "simulator", ts, pick("cpu_simulator")),
    ], "%"));
  };

  // The report page carries its run's figures in the #result JSON script (no inline script: the back office
  // serves the report under its content security policy): draw them once the page is read.
  var result = document.getElementById("result");
  if (result) {
    var r = JSON.parse(result.textContent);
    var s = r.series || {};
    var labels = document.getElementById("chart-labels");
    window.peakCharts({ seconds: s.seconds, offered: s.offered, accepted: s.accepted, created: s.created, reviewed: s.reviewed, samples: s.samples },
      labels ? JSON.parse(labels.textContent) : {});
  }
})();
