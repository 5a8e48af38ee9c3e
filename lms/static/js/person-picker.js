// Person pickers: as someone types a name or employee ID, ask the server for matching people
// and offer them in the box's datalist (the browser's own accessible suggestion list).
// Optional: without this script, typing an employee ID works the same.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }
  document.querySelectorAll("input[data-person-search]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-person-search");
    var timer = null;
    var asked = "";
    if (!list || !url) {
      return;
    }
    function suggest() {
      var text = input.value.trim();
      if (text.length < 1 || text === asked) {
        return;
      }
      asked = text;
      var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text);
      fetch(address, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {people: []}; })
        .then(function (data) {
          if (text !== asked) {
            return; // a later request is on its way
          }
          list.replaceChildren.apply(list, data.people.map(function (person) {
            var option = document.createElement("option");
            option.value = person.value;
            option.label = person.label;
            return option;
          }));
        })
        .catch(function () { /* suggestions are a convenience; typing still works */ });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 200);
    });
  });
}());
