// Role-play chat: keep the newest line in view and, where the other side is a person
// (data-poll-url), fetch the transcript every few seconds and show new lines. The page works
// without this script: every form posts and reloads.
(function () {
  "use strict";
  var box = document.getElementById("transcript");
  if (!box) { return; }
  function scrollDown() {
    var chat = box.querySelector(".chat");
    if (chat) { chat.scrollTop = chat.scrollHeight; }
  }
  scrollDown();
  var url = box.getAttribute("data-poll-url");
  if (!url || !window.fetch) { return; }
  var count = parseInt(box.getAttribute("data-count") || "0", 10);
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.count !== count) {
          count = data.count;
          var chat = box.querySelector(".chat");
          if (chat) { chat.outerHTML = data.html; }
          document.querySelectorAll('input[name="seen"]').forEach(function (input) {
            input.value = String(count);
          });
          scrollDown();
        }
        if (data.state === "in_progress") { window.setTimeout(poll, 5000); }
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  window.setTimeout(poll, 5000);
}());
