// examsys: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");

  // Ask before destructive actions: <button data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // The navigation folds into a menu button on small screens.
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) { return; }
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();

// The question editor's live preview: the server renders the candidate's view as the admin types.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-live-preview]");
    var target = document.querySelector("[data-preview-target]");
    if (!form || !target) { return; }
    var timer = null;
    function refresh() {
      var data = new FormData(form);
      var token = form.querySelector("input[name=csrf_token]");
      fetch(form.getAttribute("data-live-preview"), {
        method: "POST", credentials: "same-origin", body: data,
        headers: token ? { "X-CSRFToken": token.value } : {}
      }).then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) { if (html !== null) { target.innerHTML = html; } })
        .catch(function () {});
    }
    form.addEventListener("input", function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(refresh, 400);
    });
    form.addEventListener("change", function () { refresh(); });
  });
})();
