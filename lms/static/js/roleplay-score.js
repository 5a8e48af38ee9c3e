// Role-play grading: show the score the chosen levels give while the grader works (the same
// weighted rule as the server, which computes the stored score on save; this is a preview).
(function () {
  "use strict";
  // The one score format of the pages ("86.7 %", "80 %"; the wording comes translated).
  function percent(value, out) {
    var text = value.toFixed(1).replace(/\.0$/, "");
    return out.getAttribute("data-percent").replace("%(value)s", text);
  }

  function update(form) {
    var out = form.querySelector(".live-score");
    if (!out) { return; }
    var total = 0, weights = 0;
    form.querySelectorAll("fieldset.criterion").forEach(function (set) {
      var chosen = set.querySelector('input[type="radio"]:checked');
      var max = parseFloat(set.getAttribute("data-max"));
      var weight = parseFloat(set.getAttribute("data-weight"));
      if (chosen && max > 0) {
        total += weight * parseFloat(chosen.getAttribute("data-points")) / max;
        weights += weight;
      }
    });
    if (!weights) { out.textContent = ""; return; }
    // Cut, not rounded, to one decimal for the preview so it never shows a pass the
    // exact score does not reach.
    var score = Math.floor(total / weights * 1000) / 10;
    var mark = parseFloat(form.getAttribute("data-pass-mark"));
    out.textContent = out.getAttribute("data-label")
      .replace("%(score)s", percent(score, out)).replace("%(mark)s", percent(mark, out)) + " — " +
      out.getAttribute(score >= mark ? "data-pass" : "data-fail");
  }
  document.querySelectorAll("form.rubric-form").forEach(function (form) {
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
}());
