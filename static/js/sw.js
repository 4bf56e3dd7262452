// The service worker keeps the help page (who to call, in Dutch and English) on the phone,
// so the crisis numbers never depend on the connection. It caches nothing else: every other
// page may hold health data and always comes from the network.
const CACHE = "portal-help-v2";
const LANGUAGES = ["nl", "en"];
// Pages carry their stylesheet inline (portal/assets.py), so no stylesheet is kept.
const ASSETS = [
  "/static/js/nav.js",
  "/static/favicon.svg",
];
const LANGUAGE_KEY = "/offline-language";

const helpUrl = (language) => `/help?lang=${language}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    // Without cookies: the page as anyone sees it, with nothing of hers in it.
    for (const language of LANGUAGES) {
      const response = await fetch(helpUrl(language), { credentials: "omit" });
      if (response.ok) await cache.put(helpUrl(language), response);
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

async function offlineHelp(url) {
  const cache = await caches.open(CACHE);
  let language = url.searchParams.get("lang");
  if (!LANGUAGES.includes(language)) {
    const stored = await cache.match(LANGUAGE_KEY);
    language = stored ? await stored.text() : LANGUAGES[0];
  }
  return (await cache.match(helpUrl(language), { ignoreVary: true }))
    || (await cache.match(helpUrl(LANGUAGES[0]), { ignoreVary: true }))
    || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Online: the network, always. No network (even for a check-in being sent): help.
    event.respondWith(fetch(request).catch(() => offlineHelp(url)));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(fetch(request).catch(async () => {
      const cached = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
      return cached || Response.error();
    }));
  }
});
