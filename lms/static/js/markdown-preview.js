// Live lesson preview: while an author types, post the Markdown to the server's preview
// endpoint (the same sanitiser learners' pages use) and show the result. Optional: without
// this script the editor's "Preview" button does the same with a full page post.
(function () {
  "use strict";
  var source = document.querySelector("textarea[data-preview-url]");
  if (!source || !window.fetch || !window.FormData) {
    return;
  }
  var target = document.getElementById(source.getAttribute("data-preview-target"));
  var token = source.form && source.form.querySelector("input[name='csrf_token']");
  if (!target || !token) {
    return;
  }
  var timer = null;
  var sent = 0;

  function refresh() {
    var body = new FormData();
    body.append("csrf_token", token.value);
    body.append("body", source.value);
    var ticket = ++sent;
    fetch(source.getAttribute("data-preview-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      // Only the newest answer counts; the HTML was sanitised on the server.
      if (html !== null && ticket === sent) {
        target.innerHTML = html;
      }
    }).catch(function () { /* keep the last preview; the button still works */ });
  }

  source.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  });
})();
