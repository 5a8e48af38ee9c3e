"""A small SCORM package written for the tests: four pages (welcome, the refund policy, one
question, done) using the real run-time calls: LMSInitialize, Get/SetValue of
lesson_location, suspend_data, lesson_status, score and an interaction, LMSCommit after each
page, LMSFinish at the end."""

import io
import zipfile

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="refund-basics" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Refund basics</title>
      <item identifier="item1" identifierref="res1">
        <title>Refund basics</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="course.js"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="refund-2004" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Refund basics 2004</title>
      <item identifier="item1" identifierref="res1"><title>Refund basics</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="sco/index.html"/>
  </resources>
</manifest>
"""

INDEX = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Refund basics</title>
<script src="course.js"></script>
</head>
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
  <button type="button" id="next">Next</button>
</main>
</body>
</html>
"""

COURSE_JS = """
var api = null;
var page = 1;
var answers = {};
function show() {
  var sections = document.querySelectorAll("section[data-page]");
  for (var i = 0; i < sections.length; i++) {
    sections[i].hidden = sections[i].getAttribute("data-page") !== String(page);
  }
  document.getElementById("where").textContent = "Page " + page + " of 4";
  document.getElementById("next").hidden = page === 4;
  var chosen = document.querySelector("input[value='" + (answers.days || "") + "']");
  if (chosen) { chosen.checked = true; }
}
function save() {
  api.LMSSetValue("cmi.core.lesson_location", String(page));
  api.LMSSetValue("cmi.suspend_data", JSON.stringify(answers));
  api.LMSCommit("");
}
function finish() {
  var right = answers.days === "7";
  api.LMSSetValue("cmi.interactions.0.id", "refund-days");
  api.LMSSetValue("cmi.interactions.0.type", "choice");
  api.LMSSetValue("cmi.interactions.0.student_response", answers.days || "");
  api.LMSSetValue("cmi.interactions.0.result", right ? "correct" : "wrong");
  api.LMSSetValue("cmi.core.score.raw", right ? "100" : "0");
  api.LMSSetValue("cmi.core.score.min", "0");
  api.LMSSetValue("cmi.core.score.max", "100");
  api.LMSSetValue("cmi.core.lesson_status", "completed");
  api.LMSSetValue("cmi.core.session_time", "0000:01:30.00");
  save();
  api.LMSFinish("");
}
window.addEventListener("load", function () {
  api = window.API;
  api.LMSInitialize("");
  page = parseInt(api.LMSGetValue("cmi.core.lesson_location") || "1", 10);
  answers = JSON.parse(api.LMSGetValue("cmi.suspend_data") || "{}");
  if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
  document.getElementById("next").addEventListener("click", function () {
    if (page === 3) {
      var picked = document.querySelector("input[name=days]:checked");
      if (!picked) { return; }
      answers.days = picked.value;
    }
    page += 1;
    show();
    if (page === 4) { finish(); } else { save(); }
  });
  show();
});
"""


def make_package(version: str = "1.2", extra: dict[str, bytes] | None = None,
                 manifest: str | None = None) -> bytes:
    """The package as zip bytes; `extra` adds (or replaces) entries."""
    buffer = io.BytesIO()
    entries = ({"imsmanifest.xml": MANIFEST_12, "index.html": INDEX, "course.js": COURSE_JS}
               if version == "1.2" else
               {"imsmanifest.xml": MANIFEST_2004, "sco/index.html": INDEX,
                "sco/course.js": COURSE_JS})
    if manifest is not None:
        entries["imsmanifest.xml"] = manifest
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()
