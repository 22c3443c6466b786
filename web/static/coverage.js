// Coverage page: the city's connected percentages per recorded day (ECharts, bundled).
(function () {
  "use strict";
  var box = document.getElementById("coverage-chart");
  if (!box || typeof echarts === "undefined") { return; }
  var status = document.getElementById("coverage-status");
  var chart = echarts.init(box);
  fetch(box.dataset.url, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", min: 0, max: 100 },
        series: [
          { name: box.dataset.nodes, type: "line", data: data.nodes },
          { name: box.dataset.departments, type: "line", data: data.departments }
        ]
      }, true);
      box.dataset.points = String(data.days.length);
      status.textContent = data.days.length ? "" : box.dataset.empty;
    })
    .catch(function () { box.dataset.points = "0"; status.textContent = box.dataset.failed; });
}());
