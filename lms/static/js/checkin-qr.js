// The trainer's check-in screen: fetch the QR image again whenever its 30-second code
// changes (the response says the code and how long it lasts). Without JavaScript the page's
// own reload shows the current code.
(function () {
  "use strict";
  var box = document.getElementById("checkin-qr");
  if (!box) { return; }
  var image = document.getElementById("checkin-image");
  var code = document.getElementById("checkin-code");
  var url = box.getAttribute("data-image-url");

  function refresh() {
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var left = parseInt(response.headers.get("X-Seconds-Left"), 10) || 30;
        code.textContent = response.headers.get("X-Code") || "";
        return response.text().then(function (svg) {
          // A data: URL, as the site's content security policy allows for images.
          image.src = "data:image/svg+xml;base64," + window.btoa(svg);
          window.setTimeout(refresh, left * 1000 + 200);
        });
      })
      .catch(function () { window.setTimeout(refresh, 5000); });
  }

  var first = parseInt(box.getAttribute("data-left"), 10) || 30;
  window.setTimeout(refresh, first * 1000 + 200);
}());
