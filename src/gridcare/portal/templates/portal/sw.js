/* gridcare portal service worker: caches the shell, the last visited account page and the last outage schedule
   page seen, for offline reading. */
"use strict";
const SHELL_CACHE = "gc-shell-{{ version }}";
const PAGE_CACHE = "gc-pages";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const LOGIN_URL = "{{ login_url|escapejs }}";
const ACCOUNT_PREFIX = "{{ account_prefix|escapejs }}";
const STATIC_URL = "{{ static_url|escapejs }}";
const SCHEDULE_URL = "{{ schedule_url|escapejs }}";
const SCHEDULE_CACHE = "gc-schedule";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("gc-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

async function rememberAccountPage(request, response) {
  // Only the last visited account page is kept: a shared phone should not hold a history.
  const cache = await caches.open(PAGE_CACHE);
  for (const key of await cache.keys()) await cache.delete(key);
  await cache.put(request, response);
}

async function rememberSchedulePage(request, response) {
  // The schedule page last seen (public, nothing personal), so that it can be read without a connection.
  const cache = await caches.open(SCHEDULE_CACHE);
  for (const key of await cache.keys()) await cache.delete(key);
  await cache.put(request, response);
}

async function offlineSchedule(request) {
  const cache = await caches.open(SCHEDULE_CACHE);
  const hit = (await cache.match(request)) || (await cache.keys().then((keys) => keys.length ? cache.match(keys[0]) : undefined));
  return hit || (await caches.match(OFFLINE_URL)) || Response.error();
}

async function offlinePage(request) {
  const cache = await caches.open(PAGE_CACHE);
  const exact = await cache.match(request);
  if (exact) return exact;
  const keys = await cache.keys();
  if (keys.length) return cache.match(keys[0]);
  return (await caches.match(OFFLINE_URL)) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === LOGIN_URL) caches.delete(PAGE_CACHE);
    let saved = Promise.resolve();
    const schedule = url.pathname === SCHEDULE_URL;
    const network = fetch(request).then((response) => {
      if (schedule && response.ok && !response.redirected) saved = rememberSchedulePage(request, response.clone());
      // The notifications page is not kept: offline, the account page (last bill, chart) stays the one shown.
      const remembered = url.pathname.startsWith(ACCOUNT_PREFIX) && !url.pathname.includes("/notifications/");
      if (response.ok && !response.redirected && remembered) {
        saved = rememberAccountPage(request, response.clone());
      }
      return response;
    });
    event.respondWith(network.catch(() => (schedule ? offlineSchedule(request) : offlinePage(request))));
    event.waitUntil(network.then(() => saved, () => undefined));
    return;
  }
  if (url.pathname.startsWith(STATIC_URL)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Web Push notices (the payload is {"title", "body", "tag"}); a tap opens the portal.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data.text() };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Điện lực CSKH", {
      body: data.body || "", tag: data.tag, icon: STATIC_URL + "portal/icon-192.png",
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/"));
});
