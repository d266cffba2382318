/* "Receive notices on this phone": subscribes to Web Push. Without this file (or without Push support)
   the button stays hidden and the page works as before. */
(function () {
  "use strict";
  var box = document.getElementById("push-subscribe");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  var button = box.querySelector("button");
  var status = box.querySelector("[role=status]");

  function applicationServerKey(text) {
    var padded = text + "=".repeat((4 - (text.length % 4)) % 4);
    var raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  box.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "";
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new Error("permission " + permission);
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey(box.dataset.key)
        });
      })
      .then(function (subscription) {
        var token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
        return fetch(box.dataset.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify(subscription)
        });
      })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        status.textContent = box.dataset.done;
        window.location.reload();
      })
      .catch(function () {
        status.textContent = box.dataset.failed;
        button.disabled = false;
      });
  });
})();
