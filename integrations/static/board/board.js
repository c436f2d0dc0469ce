/* The command center (/board/): renders the stored panels with Apache ECharts (vendored, see vendor/README.md)
   and fetches them again every data-refresh seconds. Every figure links to the orders behind it. */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var charts = {};
  var labels = {};

  function chart(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    if (!charts[id]) {
      charts[id] = echarts.init(el);
      window.addEventListener("resize", function () { charts[id].resize(); });
    }
    return charts[id];
  }

  function setFigure(panel, name, value, link, bad) {
    var el = panel.querySelector('[data-figure="' + name + '"]');
    if (el) {
      el.textContent = value === null || value === undefined ? "—" : String(value);
      el.classList.toggle("bad", !!bad);
    }
    if (link) {
      panel.querySelectorAll('[data-link="' + name + '"]').forEach(function (a) { a.href = link; });
    }
  }

  function linkCell(text, href) {
    var td = document.createElement("td");
    td.className = "num";
    if (href && text) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
      if (!text) td.className += " cell-0";
    }
    return td;
  }

  function onClickGo(instance, linkOf) {
    instance.off("click");
    instance.on("click", function (params) {
      var href = linkOf(params);
      if (href) window.location.href = href;
    });
  }

  var render = {
    now: function (panel, data) {
      setFigure(panel, "backlog", data.backlog.total, null, false);
      setFigure(panel, "stuck", data.stuck.total, (data.stuck.links || {}).paid, data.stuck.total > 0);
      setFigure(panel, "review_open", data.review.open, data.review.link, false);
      setFigure(panel, "review_wait", data.review.oldest_wait_min, data.review.link, false);
      setFigure(panel, "oversold", data.oversold.units, data.oversold.link, data.oversold.units !== 0);
      panel.querySelectorAll('[data-link="backlog"]').forEach(function (a) { a.removeAttribute("href"); });

      var perHour = data.orders_per_hour;
      var hours = perHour.today.map(function (_v, i) { return i + ":00"; });
      var c1 = chart("chart-per-hour");
      if (c1) {
        c1.setOption({
          tooltip: { trigger: "axis" },
          legend: { data: [labels.today, labels.last_week] },
          grid: { left: 40, right: 16, top: 36, bottom: 28 },
          xAxis: { type: "category", data: hours },
          yAxis: { type: "value", minInterval: 1 },
          series: [
            { name: labels.today, type: "bar", data: perHour.today },
            { name: labels.last_week, type: "line", data: perHour.last_week, symbolSize: 6 }
          ]
        });
        onClickGo(c1, function (p) {
          return (p.seriesIndex === 0 ? perHour.today_links : perHour.last_week_links)[p.dataIndex];
        });
      }

      var buckets = data.age_buckets;
      var rows = data.backlog.rows;
      var c2 = chart("chart-backlog");
      if (c2) {
        c2.setOption({
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { data: buckets.map(function (b) { return labels.age[b]; }) },
          grid: { left: 90, right: 16, top: 36, bottom: 28 },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", data: rows.map(function (r) { return labels.status[r.status]; }) },
          color: ["#2e7d32", "#f9a825", "#ef6c00", "#c62828"],
          series: buckets.map(function (b) {
            return { name: labels.age[b], type: "bar", stack: "age", data: rows.map(function (r) { return r.buckets[b]; }) };
          })
        });
        onClickGo(c2, function (p) { return rows[p.dataIndex].links[buckets[p.seriesIndex]]; });
      }
      var table = document.getElementById("table-backlog");
      var head = document.createElement("tr");
      head.appendChild(document.createElement("th"));
      buckets.forEach(function (b) {
        var th = document.createElement("th");
        th.className = "num";
        th.textContent = labels.age[b];
        head.appendChild(th);
      });
      table.tHead.replaceChildren(head);
      table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows.map(function (r) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        var a = document.createElement("a");
        a.href = r.link;
        a.textContent = labels.status[r.status];
        th.appendChild(a);
        tr.appendChild(th);
        buckets.forEach(function (b) { tr.appendChild(linkCell(r.buckets[b] ? String(r.buckets[b]) : "", r.links[b])); });
        return tr;
      }));
      var staff = document.getElementById("table-staff");
      staff.tBodies[0].replaceChildren.apply(staff.tBodies[0], data.staff_today.map(function (s) {
        var tr = document.createElement("tr");
        var td = document.createElement("td");
        td.textContent = s.name;
        tr.appendChild(td);
        tr.appendChild(linkCell(String(s.orders), null));
        return tr;
      }));
    },

    flow: function (panel, data) {
      setFigure(panel, "cycle_p50", data.cycle.p50_h, null, false);
      setFigure(panel, "cycle_p90", data.cycle.p90_h, null, data.cycle.p90_h !== null && data.cycle.p90_h > data.cycle.target_h);
      setFigure(panel, "label_errors", data.label_errors, null, data.label_errors > 0);
      setFigure(panel, "exceptions", data.exceptions, data.work_items_link, false);
      setFigure(panel, "manual", data.manual_interventions, null, false);
      setFigure(panel, "aftersales", data.aftersales.median_h, null, false);
      panel.querySelectorAll('[data-link="report"]').forEach(function (a) { a.href = data.report_link; });
      [["channel", "chart-ontime-channel"], ["warehouse", "chart-ontime-warehouse"]].forEach(function (pair) {
        var rows = data.on_time[pair[0]];
        var c = chart(pair[1]);
        if (!c) return;
        c.setOption({
          tooltip: { trigger: "axis" },
          grid: { left: 40, right: 16, top: 16, bottom: 28 },
          xAxis: { type: "category", data: rows.map(function (r) { return pair[0] === "channel" ? (labels.platform[r.key] || r.key) : r.key; }) },
          yAxis: { type: "value", max: 100 },
          series: [{ name: labels.on_time_rate, type: "bar", data: rows.map(function (r) { return r.rate; }),
                     label: { show: true, position: "top" } }]
        });
        onClickGo(c, function (p) { return rows[p.dataIndex].link; });
      });
    },

    connections: function (panel, data) {
      var table = document.getElementById("table-connections");
      table.tBodies[0].replaceChildren.apply(table.tBodies[0], data.shops.map(function (s) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        var a = document.createElement("a");
        a.href = s.link;
        a.textContent = s.name + " · " + (labels.platform[s.platform] || s.platform);
        th.appendChild(a);
        tr.appendChild(th);
        var dash = function (v) { return v === null || v === undefined ? "—" : String(v); };
        tr.appendChild(linkCell(dash(s.consistency_pct), s.orders_link));
        tr.appendChild(linkCell(String(s.answers["200"]), null));
        tr.appendChild(linkCell(String(s.answers["4xx"]), s.answers["4xx"] ? s.link : null));
        tr.appendChild(linkCell(s.outcome.failed + " / " + s.outcome.dead, s.outcome.dead ? s.link : null));
        tr.appendChild(linkCell(dash(s.latency_p50_s) + " / " + dash(s.latency_p95_s), null));
        tr.appendChild(linkCell(String(s.consecutive_failures), null));
        tr.appendChild(linkCell(dash(s.token_days_left), null));
        tr.appendChild(linkCell(dash(s.certificate_days_left), null));
        return tr;
      }));
    },

    heatmap: function (panel, data) {
      [["channel", "chart-heat-channel"], ["category", "chart-heat-category"]].forEach(function (pair) {
        var cells = data[pair[0]];
        var keys = [];
        cells.forEach(function (c) { if (keys.indexOf(c.key) < 0) keys.push(c.key); });
        var name = function (k) {
          if (pair[0] === "channel") return labels.platform[k] || k;
          return k || labels.uncategorised;
        };
        var hours = [];
        for (var h = 0; h < 24; h++) hours.push(h + ":00");
        var max = 1;
        var points = cells.map(function (c) {
          var v = c.density === null ? c.exceptions : c.density;
          if (v > max) max = v;
          return [c.hour, keys.indexOf(c.key), v];
        });
        var c = chart(pair[1]);
        if (!c) return;
        c.setOption({
          tooltip: { formatter: function (p) {
            var cell = cells[p.dataIndex];
            return name(cell.key) + " " + cell.hour + ":00<br>" + labels.exceptions + ": " + cell.exceptions +
              "<br>" + labels.density + ": " + (cell.density === null ? "—" : cell.density);
          } },
          grid: { left: 90, right: 16, top: 16, bottom: 70 },
          xAxis: { type: "category", data: hours },
          yAxis: { type: "category", data: keys.map(name) },
          visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                       inRange: { color: ["#fff3e0", "#ef6c00", "#b71c1c"] } },
          series: [{ name: labels.density, type: "heatmap", data: points, label: { show: true } }]
        });
        onClickGo(c, function (p) { return cells[p.dataIndex].link; });
      });
    },

    money: function (panel, data) {
      setFigure(panel, "settlement", data.settlement.median_days, data.link, false);
      var days = data.daily;
      var c1 = chart("chart-money-daily");
      if (c1) {
        c1.setOption({
          tooltip: { trigger: "axis" },
          legend: { data: [labels.expected, labels.received] },
          grid: { left: 70, right: 16, top: 36, bottom: 28 },
          xAxis: { type: "category", data: days.map(function (d) { return d.date.slice(5) + (d.currency === "CNY" ? "" : " " + d.currency); }) },
          yAxis: { type: "value" },
          series: [
            { name: labels.expected, type: "bar", data: days.map(function (d) { return Number(d.expected); }) },
            { name: labels.received, type: "bar", data: days.map(function (d) { return Number(d.received); }) }
          ]
        });
        onClickGo(c1, function () { return data.link; });
      }
      var diffs = data.differences;
      var c2 = chart("chart-money-differences");
      if (c2) {
        c2.setOption({
          tooltip: { trigger: "axis" },
          grid: { left: 200, right: 16, top: 16, bottom: 28 },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", data: diffs.map(function (d) { return labels.difference[d.type] || d.type; }) },
          series: [{ type: "bar", data: diffs.map(function (d) { return d.count; }), label: { show: true, position: "right" } }]
        });
        onClickGo(c2, function (p) { return diffs[p.dataIndex].link; });
      }
    }
  };

  function show(payload) {
    labels = payload.labels;
    Object.keys(render).forEach(function (code) {
      var panel = document.getElementById("panel-" + code);
      var state = payload.panels[code];
      if (!panel || !state) return;
      var error = panel.querySelector(".panel-error");
      if (error) {
        error.hidden = !state.error;
        error.textContent = state.error || "";
      }
      if (state.data) render[code](panel, state.data);
      panel.dataset.computedAt = state.computed_at || "";
    });
    var now = payload.panels.now || {};
    document.getElementById("board-stamp").textContent = now.computed_at ? now.computed_at.replace("T", " ").slice(0, 19) : "";
    root.dataset.loaded = "1";
  }

  function refresh() {
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (payload) { if (payload) show(payload); })
      .catch(function () { /* keep the last figures; the next refresh tries again */ });
  }

  var full = document.getElementById("board-fullscreen");
  if (full && root.requestFullscreen) {
    full.addEventListener("click", function () { root.requestFullscreen(); });
    document.addEventListener("fullscreenchange", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  } else if (full) {
    full.hidden = true;
  }

  show(JSON.parse(document.getElementById("board-initial").textContent));
  window.setInterval(refresh, Math.max(5, parseInt(root.dataset.refresh, 10) || 30) * 1000);
})();
