/* The SCORM run-time API for a package shown in a sandboxed frame.
 *
 * The package runs in its own (opaque) origin, so it cannot reach the LMS page: this script,
 * served into the package's own pages with the attempt's data (window.__LMS_SCORM__), gives it
 * `API` (SCORM 1.2) and `API_1484_11` (SCORM 2004) in its own window, keeps the CMI data model
 * in memory and sends what changed to the LMS: half a second after the last SetValue, on
 * Commit, on Finish/Terminate, and as a beacon when the page goes away. Every value is kept as
 * a string, as SCORM defines them.
 */
(function () {
  "use strict";
  var boot = window.__LMS_SCORM__ || { version: "1.2", cmi: {}, commitUrl: "" };
  var v12 = boot.version === "1.2";
  var cmi = boot.cmi || {};
  var dirty = {};
  var state = "new"; // new → running → finished
  var lastError = "0";
  var timer = null;
  var READ_ONLY = /^cmi\.(core\.(student_id|student_name|credit|entry|total_time|lesson_mode)|launch_data|learner_id|learner_name|credit|entry|total_time|mode|completion_threshold|scaled_passing_score)$/;
  var ERRORS = {
    "0": "No error", "101": "General exception", "201": "Invalid argument error",
    "301": "Not initialized", "401": "Not implemented error", "403": "Element is read only",
    "103": "Already initialized", "104": "Content instance terminated",
    "122": "Retrieve data before initialization", "123": "Retrieve data after termination",
    "132": "Store data before initialization", "133": "Store data after termination",
    "142": "Commit before initialization", "143": "Commit after termination",
    "404": "Data model element is read only", "406": "Data model element type mismatch"
  };

  function send(finish, beacon) {
    if (!boot.commitUrl) { return; }
    var body = JSON.stringify({ values: dirty, finish: !!finish });
    dirty = {};
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon(boot.commitUrl, new Blob([body], { type: "text/plain" }));
      return;
    }
    fetch(boot.commitUrl, { method: "POST", body: body, mode: "no-cors", keepalive: true,
      credentials: "omit", headers: { "Content-Type": "text/plain" } });
  }

  function hasChanges() {
    for (var key in dirty) { if (Object.prototype.hasOwnProperty.call(dirty, key)) { return true; } }
    return false;
  }

  function flushSoon() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; if (hasChanges()) { send(false); } }, 500);
  }

  function count(prefix) {
    var seen = {};
    var n = 0;
    for (var key in cmi) {
      if (key.indexOf(prefix) === 0) {
        var index = key.slice(prefix.length).split(".")[0];
        if (/^\d+$/.test(index) && !seen[index]) { seen[index] = true; n += 1; }
      }
    }
    return n;
  }

  function initialize() {
    if (state === "running") { lastError = v12 ? "101" : "103"; return "false"; }
    if (state === "finished") { lastError = v12 ? "101" : "104"; return "false"; }
    state = "running";
    lastError = "0";
    return "true";
  }

  function finish() {
    if (state !== "running") { lastError = v12 ? "301" : (state === "new" ? "112" : "113"); return "false"; }
    if (timer) { clearTimeout(timer); timer = null; }
    send(true);
    state = "finished";
    lastError = "0";
    return "true";
  }

  function getValue(name) {
    if (state !== "running") { lastError = v12 ? "301" : (state === "new" ? "122" : "123"); return ""; }
    lastError = "0";
    name = String(name);
    var counted = /^(.*\.)_count$/.exec(name);
    if (counted) { return String(count(counted[1])); }
    if (Object.prototype.hasOwnProperty.call(cmi, name)) { return cmi[name]; }
    return "";
  }

  function setValue(name, value) {
    if (state !== "running") { lastError = v12 ? "301" : (state === "new" ? "132" : "133"); return "false"; }
    name = String(name);
    if (READ_ONLY.test(name) || /\._(count|children)$/.test(name)) { lastError = v12 ? "403" : "404"; return "false"; }
    if (!/^cmi\.[A-Za-z0-9_.]+$/.test(name)) { lastError = v12 ? "201" : "401"; return "false"; }
    value = value === undefined || value === null ? "" : String(value);
    cmi[name] = value;
    dirty[name] = value;
    lastError = "0";
    flushSoon();
    return "true";
  }

  function commit() {
    if (state !== "running") { lastError = v12 ? "301" : (state === "new" ? "142" : "143"); return "false"; }
    if (timer) { clearTimeout(timer); timer = null; }
    send(false);
    lastError = "0";
    return "true";
  }

  function error() { return lastError; }
  function errorString(code) { return ERRORS[String(code)] || ""; }

  window.API = {
    LMSInitialize: initialize, LMSFinish: finish, LMSGetValue: getValue,
    LMSSetValue: setValue, LMSCommit: commit, LMSGetLastError: error,
    LMSGetErrorString: errorString, LMSGetDiagnostic: errorString
  };
  window.API_1484_11 = {
    Initialize: initialize, Terminate: finish, GetValue: getValue, SetValue: setValue,
    Commit: commit, GetLastError: error, GetErrorString: errorString,
    GetDiagnostic: errorString
  };
  window.addEventListener("pagehide", function () {
    if (state === "running" && hasChanges()) { send(false, true); }
  });
}());
