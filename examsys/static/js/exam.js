// The exam room: saves each answer as it changes, shows the server's clock, reports real departures.
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
  var lastSeq = parseInt(form.getAttribute("data-seq"), 10) || 0;  // saves go above what the page shows
  var dirty = false;  // a change not yet sent: "Saved" is shown only when the newest answer is stored
  var leaving = false;  // this page is being replaced (a link, the navigator, a form, reload): not a departure

  // In the Mongolian interface the state and the warning hold a vertical span for the words (data-say) and the state
  // one for the time of the save (data-say-time), which stays horizontal; elsewhere the element takes the text.
  var stateWords = state && state.querySelector("[data-say]");
  var stateTime = state && state.querySelector("[data-say-time]");
  function say(text, time) {
    if (!state) { return; }
    if (stateWords) {
      stateWords.textContent = text;
      if (stateTime) { stateTime.textContent = time ? " " + time : ""; }
      return;
    }
    state.textContent = time ? text + " " + time : text;
  }

  function leave(url) { leaving = true; window.location.assign(url); }

  // Time is up: hand the paper in (a POST, as the hand-in button does: a page that only reads writes nothing).
  function handIn() {
    var url = bar.getAttribute("data-submit-url");
    if (!url) { window.location.reload(); return; }
    var post = document.createElement("form");
    post.method = "post";
    post.action = url;
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrf;
    post.appendChild(token);
    document.body.appendChild(post);
    leaving = true;
    post.submit();
  }

  // The newest answer given on this page, kept in the tab until the server confirms it: a reload (or a
  // way back) that overtakes its save shows it, and saves it again, instead of the older answer.
  var key = "examsys.answer." + bar.getAttribute("data-attempt") + "." + position;
  function keep(entry) { try { window.sessionStorage.setItem(key, JSON.stringify(entry)); } catch (e) { /* storage off: the save still runs */ } }
  function kept() { try { return JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { return null; } }
  function confirmed(seq) {
    var entry = kept();
    if (entry && entry.seq <= seq) { try { window.sessionStorage.removeItem(key); } catch (e) { /* nothing kept */ } }
  }

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

  function show(entry) {
    Array.prototype.forEach.call(form.querySelectorAll("[name=answer]"), function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = Array.isArray(entry.response) ? entry.response.indexOf(el.value) >= 0 : el.value === entry.response;
      } else {
        el.value = entry.response === null ? "" : entry.response;
      }
    });
    var flag = form.querySelector("input[name=flagged]");
    if (flag && entry.flagged !== null) { flag.checked = !!entry.flagged; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: true,  // a save in flight survives leaving the page
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
  }

  function markNavigator(answered, flagged) {
    var link = document.querySelector("[data-nav-position='" + position + "']");
    var nav = document.querySelector("[data-nav-states]");
    if (!link) { return; }
    link.classList.toggle("answered", answered);
    link.classList.toggle("unanswered", !answered);
    link.classList.toggle("flagged", flagged);
    var words = nav && nav.getAttribute("data-state-" + (answered ? "answered" : "unanswered") + (flagged ? "-flagged" : ""));
    if (words) {  // the state in words: the link's accessible name and its tooltip
      link.setAttribute("aria-label", words);
      link.setAttribute("title", words);
    }
  }

  function save() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    dirty = false;
    // A counter that only grows, also across reloads: the client's clock in milliseconds.
    var seq = Math.max(Date.now(), lastSeq + 1);
    lastSeq = seq;
    var flag = form.querySelector("input[name=flagged]");
    var entry = { seq: seq, response: response(), flagged: flag ? flag.checked : null };
    keep(entry);
    say(bar.getAttribute("data-msg-saving"));
    pending = post(bar.getAttribute("data-save-url"), { position: position, response: entry.response, seq: seq, flagged: entry.flagged })
      .then(function (res) {
        return res.json().then(function (data) {
          if (res.status === 409) { confirmed(seq); }  // refused for good (time up, another window): never given again
          if ((res.status === 409 || res.status === 401) && data.redirect) { leave(data.redirect); return; }
          if (!res.ok) { throw new Error(data.message || res.status); }
          confirmed(Math.max(seq, data.seq || 0));
          if (seq !== lastSeq || dirty) { return; }  // a newer answer is on its way; its reply will say so
          if (!data.saved && data.seq > seq) {  // an older page's form got in with a higher counter: this answer is newer
            lastSeq = data.seq;
            save();
            return;
          }
          var when = new Date(data.saved_at);
          say(bar.getAttribute("data-msg-saved"), when.toLocaleTimeString());
          var answered = entry.response;
          markNavigator(answered !== null && answered !== "" && !(Array.isArray(answered) && answered.length === 0), !!entry.flagged);
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

  // The page shows what the server sent, never what the browser restores into a form from history.
  Array.prototype.forEach.call(form.elements, function (el) {
    if (el.type === "radio" || el.type === "checkbox") { el.checked = el.defaultChecked; }
    else if (el.tagName === "TEXTAREA" || el.type === "text") { el.value = el.defaultValue; }
  });

  // An answer given here that the page does not show yet (its save was overtaken by a reload): show it
  // and save it again; the counter keeps the newest.
  var mine = kept();
  if (mine && mine.seq > lastSeq) {
    show(mine);
    save();
  } else if (mine) {
    confirmed(mine.seq);
  }

  // Leaving the page (a link, the navigator, reload) with a change not yet sent: send it now, before the
  // next page is asked for; keepalive lets it finish after the page is gone.
  function flush() { leaving = true; if (dirty) { save(); } }
  window.addEventListener("beforeunload", flush);
  window.addEventListener("pagehide", flush);
  // Brought back from the browser's back-forward cache: what it shows may be old, so ask the server.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });

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
      window.setTimeout(handIn, 1500);  // a moment for a save in flight; the server hands in as at the deadline
      return;
    }
    var minutes = Math.floor(left / 60000);
    var seconds = Math.floor((left % 60000) / 1000);
    if (el) { el.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds; }
    [[10, "data-msg-ten"], [5, "data-msg-five"]].forEach(function (pair) {
      if (minutes < pair[0] && !warned[pair[0]] && warning) {
        warned[pair[0]] = true;
        (warning.querySelector("[data-say]") || warning).textContent = bar.getAttribute(pair[1]);
        warning.hidden = false;
      }
    });
    window.setTimeout(tick, 1000);
  }
  tick();

  // Departures. The page is hidden on every move to another question too (each question is its own page),
  // so hiding alone proves nothing: only being away — hidden, or the window without focus — for longer
  // than the plan's threshold counts, once per absence, and never while this page is being replaced.
  var threshold = (parseFloat(bar.getAttribute("data-departure-seconds")) || 2) * 1000;
  var awayTimer = null;
  var counted = false;
  function away() { return document.visibilityState === "hidden" || !document.hasFocus(); }
  function depart() {
    awayTimer = null;
    if (leaving || !away()) { return; }
    counted = true;
    post(bar.getAttribute("data-event-url"), { kind: "focus_lost" }).then(function (res) {
      return res.json().then(function (data) { if (data.finished) { window.location.reload(); } });
    }).catch(function () {});
  }
  function watch() {
    if (leaving) { return; }
    if (!away()) {
      if (awayTimer) { window.clearTimeout(awayTimer); awayTimer = null; }
      counted = false;
    } else if (!awayTimer && !counted) {
      awayTimer = window.setTimeout(depart, threshold);
    }
  }
  document.addEventListener("visibilitychange", watch);
  window.addEventListener("blur", watch);
  window.addEventListener("focus", watch);
})();
