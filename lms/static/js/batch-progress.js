// Background job pages (certificate batches, review packs): polls the job's JSON and moves
// the progress bar; without JavaScript the page's Refresh link does the same.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box) { return; }
  var bar = document.getElementById("batch-bar");
  var text = document.getElementById("batch-text");
  var status = document.getElementById("batch-status");
  var download = document.getElementById("batch-download");
  var refresh = document.getElementById("batch-refresh");
  var url = box.getAttribute("data-progress-url");

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    text.textContent = status.getAttribute("data-steps")
      .replace("{done}", data.done).replace("{total}", data.total);
    status.textContent = status.getAttribute("data-" + data.status) || data.status;
    if (data.status === "done") { download.hidden = false; }
    if (data.finished) { refresh.hidden = true; }
    if (data.status === "failed") { window.location.reload(); }
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (!data.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (refresh && !refresh.hidden) { poll(); }
}());
