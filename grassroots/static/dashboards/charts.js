/* The dashboard's charts (Apache ECharts, vendored): the area's trend of one chosen figure and the children
   compared on it, from the page's json_script payload (#dash-charts-data). The tile grid and the tables under
   the charts carry the same numbers without JavaScript. The big screen (screen.js) draws with the same helpers:
   window.DashCharts. */
(function () {
  "use strict";

  var BLUE = "#2f5ea8";

  function seriesOf(data, key) {
    for (var i = 0; i < data.series.length; i++) if (data.series[i].key === key) return data.series[i];
    return data.series[0];
  }

  function trendOption(data, series, theme) {
    var dark = theme === "dark";
    var text = dark ? "#e8eef8" : "#1f2328";
    return {
      animation: false, textStyle: { fontSize: dark ? 22 : 12, color: text },
      grid: { left: dark ? 80 : 48, right: 16, top: 24, bottom: dark ? 48 : 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { color: text, fontSize: dark ? 20 : 12 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: text, fontSize: dark ? 20 : 12 },
               splitLine: { lineStyle: { color: dark ? "#33415c" : "#e3e7ec" } } },
      series: [{ type: data.labels.length > 8 ? "line" : "bar", name: series.name, data: series.trend,
                 itemStyle: { color: dark ? "#5fb3ff" : BLUE }, lineStyle: { width: dark ? 4 : 2 },
                 symbolSize: dark ? 10 : 6, areaStyle: data.labels.length > 8 ? { opacity: 0.15 } : undefined }]
    };
  }

  function childrenOption(data, series, theme) {
    var dark = theme === "dark";
    var text = dark ? "#e8eef8" : "#1f2328";
    var names = data.children.map(function (c) { return c.name; });
    return {
      animation: false, textStyle: { fontSize: dark ? 22 : 12, color: text },
      grid: { left: 8, right: dark ? 90 : 56, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1, axisLabel: { show: false },
               splitLine: { lineStyle: { color: dark ? "#33415c" : "#e3e7ec" } } },
      yAxis: { type: "category", data: names, inverse: true,
               axisLabel: { color: text, fontSize: dark ? 20 : 12, width: dark ? 200 : 96, overflow: "truncate",
                            interval: names.length <= 16 ? 0 : "auto" } },
      series: [{ type: "bar", name: series.name, data: series.children, barMaxWidth: dark ? 36 : 22,
                 itemStyle: { color: dark ? "#ffb547" : BLUE },
                 label: { show: true, position: "right", color: text, fontSize: dark ? 20 : 12 } }]
    };
  }

  function chart(el) {
    if (!el || typeof window.echarts === "undefined") return null;
    return window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
  }

  // hrefOf(child) is where a bar leads (a child's dashboard, or its big screen).
  function draw(data, key, trendEl, childrenEl, theme, hrefOf) {
    if (!data || !data.series || !data.series.length) return;
    var series = seriesOf(data, key);
    var t = chart(trendEl);
    if (t) t.setOption(trendOption(data, series, theme), true);
    var c = chart(childrenEl);
    if (c && data.children.length) {
      c.setOption(childrenOption(data, series, theme), true);
      c.off("click");
      c.on("click", function (p) {  // a bar opens that child's dashboard, as its row in the table does
        var child = data.children[p.dataIndex];
        if (child && hrefOf) window.location.href = hrefOf(child);
      });
    }
  }

  function resizeAll() {
    var nodes = document.querySelectorAll("[_echarts_instance_]");
    for (var i = 0; i < nodes.length; i++) {
      var inst = window.echarts && window.echarts.getInstanceByDom(nodes[i]);
      if (inst) inst.resize();
    }
  }

  window.DashCharts = { draw: draw };

  function start() {
    var grid = document.getElementById("tile-map");
    if (grid && grid.dataset.columns) grid.style.setProperty("--columns", grid.dataset.columns);
    var source = document.getElementById("dash-charts-data");
    var trendEl = document.getElementById("dash-trend");
    if (!source || !trendEl) return;
    var data = JSON.parse(source.textContent);
    var pick = document.getElementById("dash-metric");
    var childrenEl = document.getElementById("dash-children");
    var hrefOf = function (child) {
      return "../" + encodeURIComponent(child.code) + "/" + window.location.search;
    };
    draw(data, pick ? pick.value : null, trendEl, childrenEl, "light", hrefOf);
    if (pick) pick.addEventListener("change", function () {
      draw(data, pick.value, trendEl, childrenEl, "light", hrefOf);
    });
    window.addEventListener("resize", resizeAll);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
