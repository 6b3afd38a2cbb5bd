/* The batch recording page (batch_people.html): filter the list of people, tick all shown, and keep the
 * count on the submit button in step. Loaded with defer, so the page is parsed when this runs. */
(function () {
  var list = document.getElementById("tick-list"), filter = document.getElementById("tick-filter"),
      all = document.getElementById("tick-all"), count = document.getElementById("tick-count"),
      submit = document.getElementById("batch-submit");
  function boxes(visibleOnly) {
    return Array.prototype.filter.call(list.querySelectorAll("input[type=checkbox]:not([disabled])"), function (b) {
      return !visibleOnly || b.closest("li").style.display !== "none";
    });
  }
  function update() {
    var n = boxes(false).filter(function (b) { return b.checked; }).length;
    count.textContent = n;
    submit.textContent = n ? "为所选 " + n + " 人记分" : "为所选人员记分";
    var shown = boxes(true);
    all.checked = shown.length > 0 && shown.every(function (b) { return b.checked; });
  }
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    Array.prototype.forEach.call(list.children, function (li) {
      var key = (li.getAttribute("data-key") || "").toLowerCase();
      li.style.display = !q || key.indexOf(q) !== -1 ? "" : "none";
    });
    update();
  });
  all.addEventListener("change", function () { boxes(true).forEach(function (b) { b.checked = all.checked; }); update(); });
  list.addEventListener("change", update);
  filter.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  update();
})();
