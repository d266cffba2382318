// The field worklist's offline draft: a submitted form is kept in IndexedDB (files included) and sent when the
// phone is online; each form carries a key made here, so the server takes it once however often it arrives.
(function () {
  "use strict";
  var DB = "gridcare-field", STORE = "outbox";
  var status = document.getElementById("sync-status");

  function say(text) { if (status) { status.textContent = text; status.hidden = !text; } }
  function open() {
    return new Promise(function (ok, ko) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { ok(request.result); };
      request.onerror = function () { ko(request.error); };
    });
  }
  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (ok, ko) {
        var tx = db.transaction(STORE, mode), result;
        result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { ok(result && result.result); };
        tx.onerror = function () { ko(tx.error); };
      });
    });
  }
  function keep(record) { return run("readwrite", function (s) { return s.put(record); }); }
  function drop(key) { return run("readwrite", function (s) { return s.delete(key); }); }
  function kept() { return run("readonly", function (s) { return s.getAll(); }); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function send(record) {
    var body = new FormData();
    record.entries.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(record.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": record.csrf },
    }).then(function (response) {
      if (response.status >= 500 || response.status === 0) { throw new Error("server " + response.status); }
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }
  function flush() {
    return kept().then(function (records) {
      var chain = Promise.resolve(0);
      records.forEach(function (record) {
        chain = chain.then(function (sent) {
          return send(record).then(function () { return drop(record.key).then(function () { return sent + 1; }); });
        });
      });
      return chain.then(function (sent) { if (sent) { say(status.dataset.sent); } });
    }).catch(function () {
      kept().then(function (records) { if (records.length) { say(status.dataset.waiting + " " + records.length); } });
    });
  }
  document.querySelectorAll("form[data-offline]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = form.querySelector("[name=client_key]");
      if (key && !key.value) { key.value = newKey(); }
      var finished = form.querySelector("[name=finished_at]");
      if (finished && !finished.value) { finished.value = new Date().toISOString(); }
      var entries = [];
      new FormData(form).forEach(function (value, name) {
        if (!(value instanceof File) || value.size) { entries.push([name, value]); }
      });
      // (form.action would be the form's input named "action", not its address.)
      var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
      var record = { key: key ? key.value : newKey(), action: form.getAttribute("action"), entries: entries, csrf: csrf };
      keep(record).then(function () {
        return send(record).then(function (answer) {
          return drop(record.key).then(function () {
            if (!answer.ok) { say(answer.data.message); return; }
            window.location.reload();
          });
        });
      }).catch(function (error) { if (window.console) { console.warn("gridcare field:", error); } say(status.dataset.kept); });
    });
  });
  window.addEventListener("online", flush);
  flush();
})();
