/* The household page's chart: the score by month (bars) and its running total for the year (line),
   drawn by the vendored Apache ECharts from the page's json_script payload. Without JavaScript the table
   under the chart carries the same numbers. */
(function () {
  "use strict";

  function draw() {
    var box = document.getElementById("score-chart");
    var source = document.getElementById("score-chart-data");
    if (!box || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var css = getComputedStyle(document.documentElement);
    var ok = css.getPropertyValue("--ok").trim() || "#1a7f37";
    var bad = css.getPropertyValue("--brand").trim() || "#b4232a";
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, itemWidth: 12, data: ["当月积分", "本年累计"] },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "bar", name: "当月积分", z: 1, itemStyle: { color: ok },
          data: data.monthly.map(function (v) { return { value: v, itemStyle: { color: v < 0 ? bad : ok } }; }) },
        { type: "line", name: "本年累计", z: 2, data: data.cumulative, itemStyle: { color: "#0b57d0" },
          lineStyle: { width: 2 }, symbolSize: 4 }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
