/* The household page's chart: the score by month (bars) and its running total for the year (line),
   drawn by the vendored Chart.js from the page's json_script payload. Without JavaScript the table
   under the canvas carries the same numbers. */
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("score-chart");
    var source = document.getElementById("score-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var css = getComputedStyle(document.documentElement);
    var ok = css.getPropertyValue("--ok").trim() || "#1a7f37";
    var bad = css.getPropertyValue("--brand").trim() || "#b4232a";
    canvas.chart = new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "当月积分", data: data.monthly, order: 2,
            backgroundColor: data.monthly.map(function (v) { return v < 0 ? bad : ok; }) },
          { type: "line", label: "本年累计", data: data.cumulative, order: 1, borderColor: "#0b57d0",
            backgroundColor: "#0b57d0", pointRadius: 2, borderWidth: 2, tension: 0 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { ticks: { autoSkip: true, maxRotation: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
