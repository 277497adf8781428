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

  // A Russian «Выбрать файл…» label stands in for the browser's file button: show the chosen file's name.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.id) { return; }
    var shown = document.querySelector('[data-file-name-for="' + input.id + '"]');
    if (shown) {
      shown.textContent = input.files.length ? input.files[0].name : "Файл не выбран";
    }
  });

  // An answer with HX-Refresh reloads the page, but the old page lives on until the new one arrives: a poll
  // firing meanwhile got a second HX-Refresh and reloaded the page again, under the user's first click.
  // Once a reload is under way this page sends nothing more.
  var reloading = false;
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (event.detail.xhr.getResponseHeader("HX-Refresh") === "true") { reloading = true; }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (reloading) { event.preventDefault(); }
  });

  // htmx does not swap 4xx/5xx answers; show the server's Russian message instead of doing nothing.
  function showAlert(html) {
    var area = document.getElementById("htmx-alerts");
    if (!area) { return; }
    area.innerHTML = html;
    area.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === 0 && xhr.responseText.length < 5000) {
      showAlert(xhr.responseText);
    } else {
      showAlert('<div class="alert alert-danger" role="alert">Не получилось выполнить действие (' + xhr.status + '). Обновите страницу и попробуйте ещё раз.</div>');
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert('<div class="alert alert-warning" role="alert">Нет связи с сервером. Проверьте подключение к интернету и повторите.</div>');
  });
})();
