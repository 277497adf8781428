// EvoSync front-end glue. Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";
  // Plain forms with data-confirm ask before submitting (HTMX elements use hx-confirm instead).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
})();
