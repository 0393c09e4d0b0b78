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
    var latest = 0;  // several previews may be on their way (a change fires at once): only the newest is shown
    function refresh() {
      var data = new FormData(form);
      var token = form.querySelector("input[name=csrf_token]");
      var mine = ++latest;
      fetch(form.getAttribute("data-live-preview"), {
        method: "POST", credentials: "same-origin", body: data,
        headers: token ? { "X-CSRFToken": token.value } : {}
      }).then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) { if (html !== null && mine === latest) { target.innerHTML = html; } })
        .catch(function () {});
    }
    form.addEventListener("input", function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(refresh, 400);
    });
    form.addEventListener("change", function () { refresh(); });
  });
})();

// The question editor's Mongolian options: one for each Chinese option, shown as the Chinese option is written
// (a Mongolian option that holds text stays shown, so nothing typed is hidden).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-mn-option]");
    if (!boxes.length) { return; }
    function sync() {
      boxes.forEach(function (box) {
        var letter = box.getAttribute("data-mn-option");
        var chinese = document.getElementById("option_" + letter);
        var mongolian = document.getElementById("mn_option_" + letter);
        box.hidden = !((chinese && chinese.value.trim()) || (mongolian && mongolian.value.trim()));
      });
    }
    document.addEventListener("input", function (event) {
      if (event.target && /^option_[A-H]$/.test(event.target.id || "")) { sync(); }
    });
  });
})();
