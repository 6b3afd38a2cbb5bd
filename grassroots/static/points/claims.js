/* The recording, review and my-claims pages of 积分制.
 *
 * After a refused submit the server marks the first thing to fix (data-first-error: a reason box
 * on the review page, the duplicate warning or a field on the recording form); this brings it into
 * view and focuses it, so that on a phone the grid worker or reviewer does not have to hunt for it.
 * On the review page, "全选本批" ticks every claim of its batch.
 */
(function () {
  function focusFirstError() {
    var first = document.querySelector("[data-first-error], main .errors[role=alert]");  // document order
    if (!first) { return; }
    var controls = "input:not([type=hidden]), textarea, select";
    var before = first.previousElementSibling;  // a field's message follows its input (or the stepper)
    var target = first.matches("input, textarea, select, button, a[href]") ? first
      : (first.querySelector(controls)
         || (before && (before.matches(controls) ? before : before.querySelector(controls)))
         || first);
    if (target === first && !first.matches("input, textarea, select, button, a[href]")) {
      first.setAttribute("tabindex", "-1");
    }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  function batchTicks() {
    document.querySelectorAll(".group-all").forEach(function (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input[name=claims][data-batch='" + all.dataset.batch + "']").forEach(function (b) {
          b.checked = all.checked;
        });
      });
    });
  }

  function start() { batchTicks(); focusFirstError(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
