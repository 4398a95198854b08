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

// "Nothing changed: confirm" records the unit's recorded figures again: it is only offered
// while the card's fields still hold them (each input's data-current). Once a figure is edited
// the button is disabled and a hint says why; putting the figures back enables it again. The
// server refuses the same case without JavaScript (beds.forms.UnitUnchangedForm).
(function () {
  "use strict";
  document.querySelectorAll(".unit form").forEach(function (form) {
    var button = form.querySelector("[data-unchanged]");
    if (!button) return;
    var hint = document.getElementById(button.getAttribute("aria-describedby"));
    var inputs = form.querySelectorAll("input[data-current]");
    function sync() {
      var edited = Array.prototype.some.call(inputs, function (input) {
        return input.value.trim() !== input.dataset.current;
      });
      button.disabled = edited;
      if (hint) hint.hidden = !edited;
    }
    inputs.forEach(function (input) {
      input.addEventListener("input", sync);
      input.addEventListener("change", sync);
    });
    sync();
  });
})();

// After a refused save, put the cursor in the first field to correct. Once the page has
// loaded: scrolling to the #unit-… fragment would otherwise take the focus away again.
window.addEventListener("load", function () {
  "use strict";
  var invalid = document.querySelector('.unit [aria-invalid="true"]');
  if (invalid) {
    window.requestAnimationFrame(function () {
      invalid.focus();
    });
  }
});
