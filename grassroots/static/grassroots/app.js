/* Small behaviours shared by every page, wired by data attributes so that no page needs inline script
 * (the Content-Security-Policy allows script from our own static files only).
 *
 *   <select data-autosubmit>                    submits its form when the choice changes
 *   <button data-history-back>                  goes back one page
 *   <button data-print>                         opens the print dialog
 *   <form data-confirm="question">              asks before submitting; 取消 keeps the form unsent
 *   <button data-step="-1|1" data-step-target="id" [data-step-min] [data-step-max]>
 *                                               steps a number box by one, kept within min..max
 *   <button data-fill-target="id" data-fill-value="v">  puts v into the field with that id
 *
 * Listeners sit on the document, so content swapped in later by htmx works the same.
 */
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });

  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-history-back], [data-print], [data-step], [data-fill-target]");
    if (!el) { return; }
    if (el.hasAttribute("data-history-back")) { history.back(); return; }
    if (el.hasAttribute("data-print")) { window.print(); return; }
    if (el.hasAttribute("data-step")) {
      var box = document.getElementById(el.getAttribute("data-step-target"));
      if (!box) { return; }
      var step = +el.getAttribute("data-step");
      var min = +(el.getAttribute("data-step-min") || 1), max = +(el.getAttribute("data-step-max") || 1000);
      box.value = step < 0 ? Math.max(min, (+box.value || min) + step) : Math.min(max, (+box.value || 0) + step);
      return;
    }
    var field = document.getElementById(el.getAttribute("data-fill-target"));
    if (field) { field.value = el.getAttribute("data-fill-value"); }
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });
})();
