/* The after-sales reports page: the trend and the reasons drawn with Apache ECharts (vendored with the command
   center, integrations/static/board/vendor/) from the figures the page carries (#report-charts). */
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var names = data.trend.names;
  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.periods },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: names.cases, type: "bar", data: data.trend.cases },
      { name: names.refunded_cases, type: "bar", data: data.trend.refunded_cases },
      { name: names.case_rate, type: "line", yAxisIndex: 1, connectNulls: true, data: data.trend.case_rate },
      { name: names.amount_rate, type: "line", yAxisIndex: 1, connectNulls: true, data: data.trend.amount_rate }
    ]
  });
  draw("chart-reasons", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.periods },
    yAxis: { type: "value", minInterval: 1 },
    series: data.reasons.map(function (reason) {
      return { name: reason.name, type: "bar", stack: "reasons", data: reason.by_period };
    })
  });
  draw("chart-reason-share", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{
      type: "pie",
      radius: ["35%", "65%"],
      data: data.reasons.map(function (reason) { return { name: reason.name, value: reason.cases }; })
    }]
  });
})();
