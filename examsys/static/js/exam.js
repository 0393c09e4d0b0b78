// The exam room: saves each answer as it changes, shows the server's clock, reports leaving the page.
// Without this file the page still works: each question is a form that saves when it moves on.
(function () {
  "use strict";
  var bar = document.querySelector("[data-exam]");
  var form = document.querySelector("[data-question-form]");
  if (!bar || !form) { return; }

  var state = document.querySelector("[data-save-state]");
  var warning = document.querySelector("[data-warning]");
  var position = parseInt(form.getAttribute("data-position"), 10);
  var type = form.getAttribute("data-type");
  var csrf = bar.getAttribute("data-csrf");
  var deadline = Date.parse(bar.getAttribute("data-deadline"));
  var skew = Date.parse(bar.getAttribute("data-server-now")) - Date.now();  // server clock minus ours
  var pending = null;
  var timer = null;
  var lastSeq = 0;
  var dirty = false;  // a change not yet sent: "Saved" is shown only when the newest answer is stored

  function say(text) { if (state) { state.textContent = text; } }

  function leave(url) { window.location.assign(url); }

  function response() {
    if (type === "multiple_choice") {
      return Array.prototype.map.call(form.querySelectorAll("input[name=answer]:checked"), function (el) { return el.value; });
    }
    if (type === "single_choice" || type === "true_false") {
      var checked = form.querySelector("input[name=answer]:checked");
      return checked ? checked.value : null;
    }
    var field = form.querySelector("[name=answer]");
    return field ? field.value : null;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: true,  // a save in flight survives leaving the page
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
  }

  function save() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    dirty = false;
    // A counter that only grows, also across reloads: the client's clock in milliseconds.
    var seq = Math.max(Date.now(), lastSeq + 1);
    lastSeq = seq;
    var flag = form.querySelector("input[name=flagged]");
    say(bar.getAttribute("data-msg-saving"));
    pending = post(bar.getAttribute("data-save-url"), { position: position, response: response(), seq: seq, flagged: flag ? flag.checked : null })
      .then(function (res) {
        return res.json().then(function (data) {
          if (res.status === 409 && data.redirect) { leave(data.redirect); return; }
          if (!res.ok) { throw new Error(data.message || res.status); }
          if (seq !== lastSeq || dirty) { return; }  // a newer answer is on its way; its reply will say so
          var when = new Date(data.saved_at);
          say(bar.getAttribute("data-msg-saved") + " " + when.toLocaleTimeString());
          var link = document.querySelector("[data-nav-position='" + position + "']");
          if (link) {
            var answered = response();
            var has = answered !== null && answered !== "" && !(Array.isArray(answered) && answered.length === 0);
            link.classList.toggle("answered", has);
            link.classList.toggle("unanswered", !has);
            link.classList.toggle("flagged", !!(flag && flag.checked));
          }
        });
      })
      .catch(function () {
        if (seq !== lastSeq || dirty) { return; }  // a newer save replaces this one
        say(bar.getAttribute("data-msg-failed"));
        dirty = true;
        timer = window.setTimeout(save, 3000);
      });
  }

  function schedule(delay) {
    if (timer) { window.clearTimeout(timer); }
    dirty = true;
    say(bar.getAttribute("data-msg-saving"));
    timer = window.setTimeout(save, delay);
  }

  // Leaving the page (a link, the navigator, reload) with a change not yet sent: send it now; keepalive
  // lets it finish after the page is gone.
  window.addEventListener("pagehide", function () { if (dirty) { save(); } });

  form.addEventListener("change", function () { schedule(50); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { schedule(800); }
  });

  // The clock: the server's deadline, corrected for this device's clock.
  var warned = {};
  function tick() {
    var left = deadline - (Date.now() + skew);
    var el = document.querySelector("[data-timer]");
    if (left <= 0) {
      if (el) { el.textContent = "0:00"; }
      window.setTimeout(function () { window.location.reload(); }, 1500);  // the server submits at the deadline
      return;
    }
    var minutes = Math.floor(left / 60000);
    var seconds = Math.floor((left % 60000) / 1000);
    if (el) { el.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds; }
    [[10, "data-msg-ten"], [5, "data-msg-five"]].forEach(function (pair) {
      if (minutes < pair[0] && !warned[pair[0]] && warning) {
        warned[pair[0]] = true;
        warning.textContent = bar.getAttribute(pair[1]);
        warning.hidden = false;
      }
    });
    window.setTimeout(tick, 1000);
  }
  tick();

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      post(bar.getAttribute("data-event-url"), { kind: "focus_lost" }).then(function (res) {
        return res.json().then(function (data) { if (data.finished) { window.location.reload(); } });
      }).catch(function () {});
    }
  });
})();
