/* 数据大屏: draws the charts (window.DashCharts, charts.js), shows each figure of the charts in turn, and fetches
   the figures again every minute from the body's data-source (screen.json). On a network error the last figures
   stay on the screen and the status line says since when. No inline script: the first figures come in the
   page's json_script payload (#screen-data). */
(function () {
  "use strict";

  var REFRESH_MS = 60000;
  var ROTATE_MS = 20000;
  var state = { data: null, index: 0, lastOk: new Date() };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function renderSections(data) {
    var box = document.getElementById("screen-sections");
    if (!box) return;
    var fresh = document.createDocumentFragment();
    data.sections.forEach(function (s) {
      if (!s.tiles.length) return;  // a section whose app has nothing to count yet
      var section = el("section", "screen-section");
      section.setAttribute("data-testid", "section-" + s.key);
      section.appendChild(el("h2", null, s.label));
      var tiles = el("div", "screen-tiles");
      s.tiles.forEach(function (t) {
        var tile = el("div", "screen-tile" + (t.alarm ? " alarm" : ""));
        tile.setAttribute("data-testid", "tile-" + t.key);
        tile.appendChild(el("div", "label", t.label + (t.unit ? "（" + t.unit + "）" : "")));
        tile.appendChild(el("div", "value", t.text));
        tile.appendChild(el("div", "change", t.change ? data.period.previous + " " + t.change : ""));
        tiles.appendChild(tile);
      });
      section.appendChild(tiles);
      fresh.appendChild(section);
    });
    if (!data.sections.length) fresh.appendChild(el("p", "screen-empty", "您在这个区域没有可以查看的统计。"));
    box.replaceChildren(fresh);
    var freshness = document.getElementById("screen-freshness");
    if (freshness) freshness.textContent = data.freshness;
  }

  function drawCharts() {
    var data = state.data;
    if (!data || !data.charts.series.length || !window.DashCharts) return;
    var series = data.charts.series[state.index % data.charts.series.length];
    var trendTitle = document.getElementById("screen-trend-title");
    if (trendTitle) trendTitle.textContent = data.charts.trend_title + " · " + series.name;
    var childrenTitle = document.getElementById("screen-children-title");
    if (childrenTitle) childrenTitle.textContent = "下级区域 · " + series.name;
    window.DashCharts.draw(data.charts, series.key, document.getElementById("screen-trend"),
      document.getElementById("screen-children"), "dark", function (child) {
        return "../../" + encodeURIComponent(child.code) + "/screen/" + window.location.search;
      });
  }

  function status(text) {
    var node = document.getElementById("screen-status");
    if (node) node.textContent = text;
  }

  function refresh() {
    var source = document.body.getAttribute("data-source");
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        state.data = data;
        state.lastOk = new Date();
        renderSections(data);
        drawCharts();
        status("");
      })
      .catch(function () {
        status("网络中断，显示的是" + two(state.lastOk.getHours()) + ":" + two(state.lastOk.getMinutes()) + "的数据");
      });
  }

  function start() {
    var source = document.getElementById("screen-data");
    if (!source) return;
    state.data = JSON.parse(source.textContent);
    drawCharts();
    window.setInterval(refresh, REFRESH_MS);
    window.setInterval(function () { state.index += 1; drawCharts(); }, ROTATE_MS);
    window.addEventListener("resize", function () {
      ["screen-trend", "screen-children"].forEach(function (id) {
        var node = document.getElementById(id);
        var inst = node && window.echarts && window.echarts.getInstanceByDom(node);
        if (inst) inst.resize();
      });
    });
    window.DashScreen = { refresh: refresh };  // the browser test calls it instead of waiting a minute
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
