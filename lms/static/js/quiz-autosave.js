// Quiz attempts: save each answer to the server as it changes, and count down the time left.
// Optional: without this script the page's Save button posts the same fields. Each question's
// fieldset carries its `seqN` sequence; the server refuses a save based on an older sequence
// (a second tab), so a save is sent only after the previous one for that question answered,
// and the sequence it returns is the one the next save (and the Save button) sends.
(function () {
  "use strict";

  function countdown(element) {
    var left = parseInt(element.getAttribute("data-seconds-left"), 10);
    var shown = element.querySelector("[data-time-left]");
    if (isNaN(left) || !shown) {
      return;
    }
    var ends = Date.now() + left * 1000;
    // The visible clock (role="timer") is not live, so a screen reader is not read a number
    // every second; a polite live region says the time left once at 10, 5 and 1 minutes.
    var announcer = document.querySelector("[data-time-announce]");
    var said = {};

    function announce(seconds) {
      if (!announcer) {
        return;
      }
      [10, 5, 1].forEach(function (mark) {
        var text = announcer.getAttribute("data-at-" + mark);
        if (!said[mark] && seconds <= mark * 60 && left > mark * 60 && text) {
          said[mark] = true;
          announcer.textContent = text;
        }
      });
    }

    function pad(n) {
      return (n < 10 ? "0" : "") + n;
    }

    function tick() {
      var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var hours = Math.floor(seconds / 3600);
      var minutes = Math.floor((seconds % 3600) / 60);
      shown.textContent = (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds % 60);
      announce(seconds);
      if (seconds === 0) {
        window.clearInterval(timer);
        // The server has finished (or closed) the attempt: show the learner where it stands.
        var next = element.getAttribute("data-time-up-url");
        if (next) {
          window.setTimeout(function () { window.location.assign(next); }, 1500);
        }
      }
    }
    var timer = window.setInterval(tick, 1000);
    tick();
  }

  var clock = document.querySelector("[data-seconds-left]");
  if (clock) {
    countdown(clock);
  }

  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData || !form.closest) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var token = form.querySelector("input[name='csrf_token']");
  var texts = {
    saving: form.getAttribute("data-saving-text"),
    saved: form.getAttribute("data-saved-text"),
    offline: form.getAttribute("data-offline-text")
  };
  var states = {};
  var busy = 0;
  var waitingSubmit = null;

  function stateOf(fieldset) {
    var slot = fieldset.getAttribute("data-slot");
    if (!states[slot]) {
      states[slot] = {slot: slot, fieldset: fieldset, sending: false, again: false, typing: null};
    }
    return states[slot];
  }

  function show(fieldset, text, isError) {
    var status = fieldset.querySelector("[data-save-status]");
    if (status) {
      status.textContent = text;
      status.classList.toggle("save-error", !!isError);
    }
  }

  function payload(fieldset) {
    var body = new FormData();
    body.append("csrf_token", token.value);
    var fields = fieldset.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (!field.name || ((field.type === "radio" || field.type === "checkbox") && !field.checked)) {
        continue;
      }
      body.append(field.name, field.value);
    }
    return body;
  }

  function settled() {
    if (busy === 0 && waitingSubmit) {
      var submitter = waitingSubmit;
      waitingSubmit = null;
      if (form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        submitter.click();
      }
    }
  }

  function save(state) {
    if (state.typing) {
      window.clearTimeout(state.typing);
      state.typing = null;
    }
    if (state.sending) {
      state.again = true;
      return;
    }
    state.sending = true;
    state.again = false;
    busy++;
    show(state.fieldset, texts.saving, false);
    fetch(url, {
      method: "POST", body: payload(state.fieldset), credentials: "same-origin",
      headers: {"X-CSRFToken": token.value, "Accept": "application/json"}
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      state.sending = false;
      busy--;
      if (data.ok) {
        state.fieldset.querySelector("[data-sequence]").value = data.sequences[state.slot];
        show(state.fieldset, data.message, false);
        if (state.again) {
          save(state);
        }
      } else {
        // Refused (another tab, time up, a finished attempt): say so; the page's own
        // buttons lead on. Nothing is retried.
        state.again = false;
        show(state.fieldset, data.message, true);
      }
      settled();
    }).catch(function () {
      state.sending = false;
      busy--;
      show(state.fieldset, texts.offline, true);
      state.typing = window.setTimeout(function () { save(state); }, 3000);
      settled();
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-slot]");
    if (fieldset) {
      save(stateOf(fieldset));
    }
  });

  form.addEventListener("input", function (event) {
    var target = event.target;
    var fieldset = target.closest("fieldset[data-slot]");
    if (!fieldset || (target.tagName !== "TEXTAREA" && target.type !== "text")) {
      return;
    }
    var state = stateOf(fieldset);
    window.clearTimeout(state.typing);
    state.typing = window.setTimeout(function () { save(state); }, 800);
  });

  form.addEventListener("submit", function (event) {
    // Let answers being typed or sent reach the server first, so the buttons post the
    // sequences the server has now.
    Object.keys(states).forEach(function (slot) {
      if (states[slot].typing) {
        save(states[slot]);
      }
    });
    if (busy > 0) {
      event.preventDefault();
      waitingSubmit = event.submitter || form.querySelector("button[type=submit]");
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (busy > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
