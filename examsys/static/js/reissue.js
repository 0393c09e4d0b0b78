// The re-issuance run: call one step after another, showing n of N, until nothing is pending.
// Without this script each press of the button does one step.
(function () {
  "use strict";
  var form = document.querySelector("form[data-reissue-run]");
  if (!form) { return; }
  var bar = document.querySelector("[data-reissue-progress]");
  var status = document.querySelector("[data-reissue-status]");
  var button = form.querySelector("button");
  function show(data) {
    if (bar) { bar.max = data.total || 1; bar.value = data.done; }
    if (status) { status.textContent = data.message; }
    ["issued", "ineligible", "pending"].forEach(function (key) {
      var el = document.querySelector("[data-count=" + key + "]");
      if (el) { el.textContent = data[key]; }
    });
  }
  function step() {
    var token = form.querySelector("input[name=csrf_token]");
    return fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (res) {
      if (!res.ok) { throw new Error(res.status); }
      return res.json();
    }).then(function (data) {
      show(data);
      if (data.pending > 0) { return step(); }
      window.location.reload();
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    step().catch(function () {
      button.disabled = false;  // stopped: what was done is saved; pressing again goes on
      if (status) { status.textContent += " ✘"; }
    });
  });
})();
