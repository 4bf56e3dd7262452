// Answers kept on this phone until the server has them: one draft per form and day.
//
// A draft belongs to its form's key ("checkin:2026-12-03", "questionnaire:epds") and carries
// the form's one-time submission_id, so it is only ever put back into that same form and the
// server stores it once however often it arrives. It lives in IndexedDB, which the service
// worker can read too: the pages send drafts when the connection returns (the `online` event,
// the next page load), the service worker on Background Sync where the browser has it. A Web
// Lock lets one of them send at a time, so a draft is sent once.
//
// States: "editing" (kept during a language switch, put back, never sent by itself),
// "unsent" (she pressed Save: sent by itself), "sent" (shown once, then forgotten),
// "conflict" (newer answers for that day were on the server: she chooses), "check" (refused).
// Loaded by every page (before nav.js) and by the service worker (importScripts).
(function (scope) {
  "use strict";
  const DB_NAME = "portal-drafts";
  const STORE = "drafts";
  const LOCK = "portal-drafts-send";
  const SYNC_TAG = "portal-drafts";

  function open() {
    return new Promise((resolve, reject) => {
      const request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        let result;
        Promise.resolve(work(transaction.objectStore(STORE))).then((value) => { result = value; });
        transaction.oncomplete = () => resolve(result);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  const asPromise = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

  const get = (key) => withStore("readonly", (store) => asPromise(store.get(key)));
  const all = () => withStore("readonly", (store) => asPromise(store.getAll()));
  const put = (draft) => withStore("readwrite", (store) => { store.put(draft); });
  const remove = (key) => withStore("readwrite", (store) => { store.delete(key); });

  async function removeWhere(test) {
    for (const draft of await all()) if (test(draft)) await remove(draft.key);
  }

  // Every answer of the form except its CSRF token, which is fetched fresh when it is sent.
  function entriesOf(form) {
    const entries = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrf_token" && typeof value === "string") entries.push([name, value]);
    }
    return entries;
  }

  function draftOf(form, owner, state) {
    const entries = entriesOf(form);
    const submission = entries.find(([name]) => name === "submission_id");
    return {
      key: form.dataset.draftKey,
      owner,
      label: form.dataset.draftLabel,
      url: scope.location.pathname + scope.location.search,
      action: new URL(form.getAttribute("action") || scope.location.href, scope.location.href).pathname,
      entries,
      submission: submission ? submission[1] : "",
      state,
      keptAt: Date.now(),
    };
  }

  const withLock = (work) => (scope.navigator.locks
    ? scope.navigator.locks.request(LOCK, work)
    : work());

  const TOKEN = /name="csrf_token"[^>]*value="([^"]+)"/;
  const OWNER = /data-draft-owner="([^"]+)"/;

  // Send one draft; return its new state. The form's page gives a fresh CSRF token and says who
  // is signed in: a draft is only ever sent into the account it was written in.
  async function sendOne(draft) {
    let page;
    try {
      page = await scope.fetch(draft.url, { credentials: "same-origin" });
    } catch (error) {
      return { state: draft.state };  // still no connection
    }
    const html = page.ok ? await page.text() : "";
    const owner = OWNER.exec(html);
    const token = TOKEN.exec(html);
    if (!owner || owner[1] !== draft.owner || !token) return { state: draft.state };
    const body = new URLSearchParams(draft.entries);
    body.set("csrf_token", token[1].replace(/&#34;|&quot;/g, "\"").replace(/&amp;/g, "&"));
    let response;
    try {
      response = await scope.fetch(draft.action, {
        method: "POST", body, credentials: "same-origin", redirect: "follow",
      });
    } catch (error) {
      return { state: draft.state };
    }
    if (response.status === 409) return { state: "conflict" };
    if (response.ok && response.redirected) return { state: "sent", landing: new URL(response.url).pathname };
    if (response.status >= 400 && response.status < 500) return { state: "check" };
    return { state: draft.state };  // the server is having trouble: try again later
  }

  // Send every unsent draft of this owner (every owner's when null, in the service worker, which
  // cannot tell who is signed in: sendOne checks each against the page it fetched). Returns the
  // drafts that changed state.
  function sendAll(owner) {
    return withLock(async () => {
      const changed = [];
      for (const draft of await all()) {
        if (draft.state !== "unsent" || (owner && draft.owner !== owner)) continue;
        const outcome = await sendOne(draft);
        if (outcome.state === draft.state) continue;
        const fresh = await get(draft.key);
        // Changed on the phone while it was being sent (a newer Save): keep the newer one.
        if (!fresh || fresh.keptAt !== draft.keptAt) continue;
        Object.assign(fresh, outcome);
        await put(fresh);
        changed.push(fresh);
      }
      return changed;
    });
  }

  async function askForSync() {
    try {
      const registration = scope.registration || await scope.navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register(SYNC_TAG);
    } catch (error) { /* no Background Sync: the online event and the next page load send it */ }
  }

  scope.PortalDrafts = {
    SYNC_TAG, get, all, put, remove, removeWhere, draftOf, sendAll, askForSync,
  };
}(self));
