// The service worker keeps the help page (who to call, in Dutch and English) on the phone,
// so the crisis numbers never depend on the connection, and the "kept on this phone" page for a
// form that could not be sent. It caches nothing else: every other page may hold health data and
// always comes from the network. It sends the answers kept on the phone (drafts.js) when
// Background Sync says the connection is back, and shows push reminders.
importScripts("/static/js/drafts.js");

const CACHE = "portal-help-v4";
const LANGUAGES = ["nl", "en"];
// Pages carry their stylesheet inline (portal/assets.py); only the dark-mode rules, linked for
// a phone in dark mode, are a file, kept so that the help page offline looks as it does online.
const ASSETS = [
  "/static/js/nav.js",
  "/static/js/drafts.js",
  "/static/css/dark.css",
  "/static/favicon.svg",
];
const LANGUAGE_KEY = "/offline-language";

const helpUrl = (language) => `/help?lang=${language}`;
const offlineUrl = (language) => `/offline?lang=${language}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    // Without cookies: the page as anyone sees it, with nothing of hers in it.
    for (const language of LANGUAGES) {
      for (const url of [helpUrl(language), offlineUrl(language)]) {
        const response = await fetch(url, { credentials: "omit" });
        if (response.ok) await cache.put(url, response);
      }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Pages tell the worker their language, so the help page offline speaks hers.
self.addEventListener("message", (event) => {
  const language = event.data && event.data.language;
  if (LANGUAGES.includes(language)) {
    event.waitUntil(caches.open(CACHE).then((cache) => cache.put(LANGUAGE_KEY, new Response(language))));
  }
});

async function cachedPage(url, pageUrl) {
  const cache = await caches.open(CACHE);
  let language = url.searchParams.get("lang");
  if (!LANGUAGES.includes(language)) {
    const stored = await cache.match(LANGUAGE_KEY);
    language = stored ? await stored.text() : LANGUAGES[0];
  }
  return (await cache.match(pageUrl(language), { ignoreVary: true }))
    || (await cache.match(pageUrl(LANGUAGES[0]), { ignoreVary: true }))
    || Response.error();
}

const offlineHelp = (url) => cachedPage(url, helpUrl);

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Online: the network, always. No network: the help page, or for a form that was being
    // sent the "kept on this phone" page (never the crisis page for a failed save).
    const sending = request.method !== "GET";
    event.respondWith(fetch(request).catch(() => {
      if (!sending) return offlineHelp(url);
      self.PortalDrafts.askForSync();
      return cachedPage(url, offlineUrl);
    }));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(fetch(request).catch(async () => {
      const cached = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
      return cached || Response.error();
    }));
  }
});

// Background Sync: the browser says the connection is back, perhaps with no page open.
self.addEventListener("sync", (event) => {
  if (event.tag !== self.PortalDrafts.SYNC_TAG) return;
  event.waitUntil(self.PortalDrafts.sendAll(null).then(async (changed) => {
    if (changed.length) {  // open pages show what became of them
      for (const client of await self.clients.matchAll()) client.postMessage({ drafts: "sent" });
    }
    const waiting = (await self.PortalDrafts.all()).filter((draft) => draft.state === "unsent");
    if (waiting.length) throw new Error("not sent yet");  // the browser tries again later
  }));
});

// A reminder pushed by the worker (portal/push.py): a title and a link, nothing about her health.
self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = {}; }
  const url = typeof message.url === "string" && message.url.startsWith("/") ? message.url : "/me/";
  event.waitUntil(self.registration.showNotification(message.title || "", {
    icon: "/static/favicon.svg", data: { url }, tag: "portal-reminder",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window" })) {
      if (client.url === url && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(url);
  })());
});
