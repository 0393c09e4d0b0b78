// The officer's e-card: fetch a freshly signed, short-lived code every minute.
(function () {
  "use strict";
  var card = document.querySelector("[data-e-card]");
  var box = document.querySelector("[data-e-card-code]");
  if (!card || !box) { return; }
  function refresh() {
    fetch(card.getAttribute("data-e-card"), { credentials: "same-origin", cache: "no-store" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) { if (data) { box.innerHTML = data.svg; } })
      .catch(function () { box.textContent = ""; });
  }
  refresh();
  window.setInterval(refresh, 60000);
})();
