// 爱心超市: item rows that grow, and the counter's running total. The pages work without it: the server
// checks every quantity and the balance again when the form is sent.
(function () {
  "use strict";

  function itemRows(box) {
    var add = box.querySelector("[data-add-row]");
    if (!add) return;
    add.hidden = false;
    add.addEventListener("click", function () {
      var rows = box.querySelectorAll("[data-item-row]");
      var copy = rows[rows.length - 1].cloneNode(true);
      var n = rows.length + 1;
      copy.querySelectorAll("select, input").forEach(function (el) {
        el.value = "";
        el.id = el.name + "-" + n;
      });
      copy.querySelectorAll("label").forEach(function (label) {
        var target = label.getAttribute("for").split("-")[0];
        label.setAttribute("for", target + "-" + n);
        label.textContent = "第" + n + "行" + (target === "product" ? "商品" : "数量");
      });
      add.parentNode.insertBefore(copy, add);
    });
  }

  function counter(form) {
    var balance = parseInt(form.dataset.balance, 10) || 0;
    var totalEl = form.querySelector("[data-total]");
    var overEl = form.querySelector("[data-over]");
    var confirmBtn = form.querySelector("[data-confirm]");
    var goods = form.querySelectorAll("[data-good]");

    function clamp(good, value) {
      var stock = parseInt(good.dataset.stock, 10) || 0;
      return Math.max(0, Math.min(stock, value));
    }

    function update() {
      var total = 0;
      goods.forEach(function (good) {
        var input = good.querySelector("input");
        var qty = parseInt(input.value, 10) || 0;
        total += qty * (parseInt(good.dataset.points, 10) || 0);
        good.classList.toggle("chosen", qty > 0);
      });
      totalEl.textContent = total;
      var over = total > balance;
      overEl.hidden = !over;
      overEl.textContent = over ? "超出可兑换积分 " + (total - balance) + " 分" : "";
      setDisabled(confirmBtn, over || total === 0);
    }

    goods.forEach(function (good) {
      var input = good.querySelector("input");
      good.querySelectorAll("[data-plus]").forEach(function (b) {
        b.addEventListener("click", function () { input.value = clamp(good, (parseInt(input.value, 10) || 0) + 1); update(); });
      });
      good.querySelectorAll("[data-minus]").forEach(function (b) {
        b.addEventListener("click", function () { input.value = clamp(good, (parseInt(input.value, 10) || 0) - 1); update(); });
      });
      input.addEventListener("input", update);
    });
    submitOnce(form, update);
    update();
  }

  // A disabled button says so to assistive technology too (aria-disabled) and looks it (shop.css).
  function setDisabled(button, disabled) {
    button.disabled = disabled;
    if (disabled) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }

  // A second tap while the first is on its way sends nothing more; the idempotency key covers a retry anyway
  // (and without this script: the server answers a repeated key with the first receipt).
  function submitOnce(form, restored) {
    var button = form.querySelector("button:not([type=button])");
    var label = button ? button.textContent : "";
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      if (button) {
        button.textContent = button.dataset.busyText || label;
        setDisabled(button, true);
      }
    });
    // Back from the next page (bfcache): the form may be sent again (the key still guards the spending).
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted || !form.dataset.sent) return;
      delete form.dataset.sent;
      if (button) { button.textContent = label; setDisabled(button, false); }
      if (restored) restored();
    });
  }

  function start() {
    document.querySelectorAll("[data-items]").forEach(itemRows);
    document.querySelectorAll("form[data-counter]").forEach(counter);
    document.querySelectorAll("form[data-submit-once]").forEach(function (f) { submitOnce(f); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
