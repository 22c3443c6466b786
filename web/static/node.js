// Node page: link-health chart (ECharts, bundled) with a time-range picker.
(function () {
  "use strict";
  var box = document.getElementById("chart");
  if (!box || typeof echarts === "undefined") { return; }
  var status = document.getElementById("chart-status");
  var chart = echarts.init(box);
  function load(range) {
    fetch(box.dataset.url + "?range=" + encodeURIComponent(range), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var series = [];
        var points = 0;
        data.series.forEach(function (s) {
          points += s.points.length;
          series.push({ name: s.link, type: "line", showSymbol: false,
            data: s.points.map(function (p) { return [p[0], p[1]]; }) });
        });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "axis" },
          legend: { type: "scroll", top: 0 },
          grid: { left: 50, right: 20, top: 40, bottom: 30 },
          xAxis: { type: "time" },
          yAxis: { type: "value", name: box.dataset.util, min: 0 },
          series: series
        }, true);
        box.dataset.points = String(points);
        status.textContent = points ? "" : box.dataset.empty;
      })
      .catch(function () { box.dataset.points = "0"; status.textContent = box.dataset.failed; });
  }
  document.querySelectorAll("#range-picker button").forEach(function (b) {
    b.addEventListener("click", function () {
      document.querySelectorAll("#range-picker button").forEach(function (o) { o.classList.remove("on"); });
      b.classList.add("on");
      load(b.dataset.range);
    });
  });
  load("1h");
}());
