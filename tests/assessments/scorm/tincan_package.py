"""A small xAPI (Tin Can) package written for the tests: tincan.xml and four pages (welcome,
the refund policy, one question, done) making the real calls a Tin Can launch makes: it reads
endpoint, auth, actor, registration and activity_id from its launch URL, GETs its bookmark
from activities/state, PUTs it on every page, POSTs "initialized" at start, "answered" for the
question and "completed" + "passed" with a score at the end."""

import io
import zipfile

ROOT = "https://content.example.com/xapi/refund-basics"

TINCAN_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd">
  <activities>
    <activity id="{ROOT}" type="http://adlnet.gov/expapi/activities/course">
      <name>Refund basics (xAPI)</name>
      <description lang="en-US">Four short pages on refunds.</description>
      <launch lang="en-us">index.html</launch>
    </activity>
    <activity id="https://content.example.com/questions/days"
              type="http://adlnet.gov/expapi/activities/cmi.interaction">
      <name>Within how many days?</name>
    </activity>
  </activities>
</tincan>
"""

INDEX = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Refund basics (xAPI)</title>
<script src="course.js" defer></script></head>
<body>
<main>
  <h1>Refund basics</h1>
  <section data-page="1" hidden><p>Welcome. Four short pages on refunds.</p></section>
  <section data-page="2" hidden><p>Unopened items may be returned within 7 days.</p></section>
  <section data-page="3" hidden>
    <fieldset><legend>Within how many days may an unopened item be returned?</legend>
      <label><input type="radio" name="days" value="7"> 7 days</label>
      <label><input type="radio" name="days" value="30"> 30 days</label>
    </fieldset>
  </section>
  <section data-page="4" hidden><p id="done">You have finished this module.</p></section>
  <p id="where"></p>
  <p id="problem" role="alert"></p>
  <button type="button" id="next">Next</button>
</main>
</body>
</html>
"""

COURSE_JS = """
var launch = new URLSearchParams(location.search);
var endpoint = launch.get("endpoint");
var actor = JSON.parse(launch.get("actor"));
var registration = launch.get("registration");
var root = launch.get("activity_id");
var page = 1;
var headers = {"Authorization": launch.get("auth"), "X-Experience-API-Version": "1.0.3"};

function stateUrl() {
  return endpoint + "activities/state?" + new URLSearchParams({
    activityId: root, agent: JSON.stringify(actor), stateId: "bookmark",
    registration: registration});
}
function verb(name) {
  return {id: "http://adlnet.gov/expapi/verbs/" + name, display: {"en-US": name}};
}
function send(statements) {
  return fetch(endpoint + "statements", {
    method: "POST", body: JSON.stringify(statements),
    headers: Object.assign({"Content-Type": "application/json"}, headers)
  }).then(function (r) { if (!r.ok) { throw new Error("statements: " + r.status); } });
}
function about(verbName, objectId, result) {
  var statement = {actor: actor, verb: verb(verbName), object: {id: objectId},
                   context: {registration: registration}};
  if (result) { statement.result = result; }
  return statement;
}
function saveBookmark() {
  return fetch(stateUrl(), {
    method: "PUT", body: JSON.stringify({page: page}),
    headers: Object.assign({"Content-Type": "application/json"}, headers)
  }).then(function (r) { if (!r.ok) { throw new Error("state: " + r.status); } });
}
function show() {
  var sections = document.querySelectorAll("section[data-page]");
  for (var i = 0; i < sections.length; i++) {
    sections[i].hidden = sections[i].getAttribute("data-page") !== String(page);
  }
  document.getElementById("where").textContent = "Page " + page + " of 4";
  document.getElementById("next").hidden = page === 4;
}
function fail(error) { document.getElementById("problem").textContent = String(error); }

document.getElementById("next").addEventListener("click", function () {
  var work = Promise.resolve();
  if (page === 3) {
    var picked = document.querySelector("input[name=days]:checked");
    var right = picked && picked.value === "7";
    work = send([
      about("answered", "https://content.example.com/questions/days",
            {response: picked ? picked.value : "", success: !!right}),
      about("completed", root, {completion: true, score: {scaled: right ? 1 : 0}}),
      about(right ? "passed" : "failed", root, {success: !!right,
                                                score: {scaled: right ? 1 : 0}})]);
  }
  page += 1;
  show();
  work.then(saveBookmark).catch(fail);
});

fetch(stateUrl(), {headers: headers}).then(function (r) {
  return r.status === 200 ? r.json() : {page: 1};
}).then(function (saved) {
  page = saved.page || 1;
  show();
  return send([about("initialized", root)]);
}).catch(fail);
"""


def make_tincan_package(files: dict[str, str] | None = None) -> bytes:
    """The package as a zip (`files` replace or add entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {"tincan.xml": TINCAN_XML, "index.html": INDEX,
                           "course.js": COURSE_JS, **(files or {})}.items():
            archive.writestr(name, text)
    return buffer.getvalue()
