// Staff page: large − / + buttons beside each figure. Without JavaScript the number inputs
// still work (and their arrow keys step), so the buttons stay hidden until this runs.
(function () {
  "use strict";
  var MAX = 999;
  document.querySelectorAll(".stepper__btn[data-step]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.target);
      if (!input) return;
      var current = parseInt(input.value, 10);
      if (isNaN(current)) current = 0;
      var next = Math.min(MAX, Math.max(0, current + parseInt(button.dataset.step, 10)));
      input.value = String(next);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();

// After a refused save, put the cursor in the first field to correct.
(function () {
  "use strict";
  var invalid = document.querySelector('.unit [aria-invalid="true"]');
  if (invalid) invalid.focus();
})();
