// Small enhancements: the phone menu (a disclosure button that shows the rest of the
// navigation), selects that apply their choice at once, the service worker that keeps the
// help page offline, and answers that are kept on the phone until they are really saved
// (the drafts themselves live in drafts.js, which the service worker shares).
// Without JavaScript the links simply wrap in the header, as they always did.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const toggles = document.querySelectorAll("[data-menu-toggle]");
  const setOpen = (open) => {
    toggles.forEach((toggle) => {
      toggle.setAttribute("aria-expanded", String(open));
      document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
    });
  };
  toggles.forEach((toggle) => {
    toggle.hidden = false;
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  });
  // A select marked data-autosubmit shows its choice at once; its Show button is then not needed.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    const button = select.form.querySelector("[data-autosubmit-button]");
    if (button) button.hidden = true;
    select.addEventListener("change", () => select.form.submit());
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });

  // A wide table that scrolls sideways on a small screen must be reachable by keyboard; a
  // turned phone or a narrowed window can make a table scroll that did not at first.
  markScrollingTables();
  window.addEventListener("resize", markScrollingTables);
  if (!navigator.onLine) {
    document.querySelectorAll("[data-offline-notice]").forEach((notice) => { notice.hidden = false; });
  }
  keepDrafts();
  offerPush();
});

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").then(() => navigator.serviceWorker.ready).then((registration) => {
      if (registration.active) registration.active.postMessage({ language: document.documentElement.lang });
    }).catch(() => {});  // without it the portal works as before, only not offline
  });
}

// Her answers are kept on this phone from the moment she presses Save until a page of the server
// says they arrived (data-draft-sent names their submission id). Without a connection the form
// stays, says so, and the answers are sent by themselves once the connection returns.
function keepDrafts() {
  const drafts = window.PortalDrafts;
  const owner = document.body.dataset.draftOwner;
  if (!drafts || !window.indexedDB) return;
  const messages = document.getElementById("draft-messages");
  const say = (kind, draft) => (messages ? messages.dataset[kind] : "").replace("{what}", draft.label || "");
  const form = document.querySelector("form[data-draft-key]");
  const sent = [...document.querySelectorAll("[data-draft-sent]")].map((element) => element.dataset.draftSent).filter(Boolean);

  document.querySelectorAll("form[action$='/logout']").forEach((logout) => {
    // A shared phone: what one mother kept is not left for the next one who signs in.
    logout.addEventListener("submit", () => { drafts.removeWhere((draft) => draft.owner === owner); });
  });
  if (!owner) return;

  const status = document.querySelector("[data-drafts-status]");
  const saidSent = [];  // "sent" is said once per draft, and stays on this page
  async function showStatus() {
    const list = status && status.querySelector("ul");
    if (!list) return;
    list.replaceChildren();
    for (const text of saidSent) {
      const item = document.createElement("li");
      item.textContent = text;
      list.append(item);
    }
    for (const draft of await drafts.all()) {
      if (draft.owner !== owner || (form && draft.key === form.dataset.draftKey && draft.state !== "sent")) continue;
      const kind = { unsent: "unsent", sent: "sent", conflict: "conflict", check: "check", editing: "editing" }[draft.state];
      const item = document.createElement("li");
      item.textContent = say(kind, draft) + " ";
      if (draft.state !== "sent") {
        const link = document.createElement("a");
        link.href = draft.url;
        link.textContent = messages.dataset.open;
        item.append(link);
      } else {
        saidSent.push(item.textContent);
        await drafts.remove(draft.key);  // said once
      }
      list.append(item);
    }
    status.hidden = !list.children.length;
  }

  let shownState = null;  // the state of this form's draft as the form shows it
  async function sendNow() {
    if (!navigator.onLine) return;
    await afterSend(await drafts.sendAll(owner));
  }

  // Drafts this page sent, or the service worker did (Background Sync): show what became of them.
  async function afterSend(changed) {
    if (form && shownState === "unsent") {
      const mine = await drafts.get(form.dataset.draftKey);
      if ((!mine || mine.state !== "unsent") && !changed.some((draft) => draft.key === form.dataset.draftKey)) {
        changed.push(mine || { key: form.dataset.draftKey, state: "sent" });
      }
    }
    const help = changed.find((draft) => draft.state === "sent" && /\/help$/.test(draft.landing || ""));
    if (help) {  // an answer that needs the help page leads there, as it does when sent online
      await drafts.remove(help.key);
      window.location.assign(help.landing);
      return;
    }
    if (form && !formChanged && changed.some((draft) => draft.key === form.dataset.draftKey)) {
      // Sent (the form shows what the server now has) or in conflict (the form then shows the
      // newer answers' version with hers filled in, and asks her).
      window.location.replace(window.location.href);
      return;
    }
    await showStatus();
  }

  let formChanged = false;
  (async () => {
    for (const submission of sent) await drafts.removeWhere((draft) => draft.submission === submission);
    if (form) await restore(form);
    await showStatus();
    await sendNow();
  })().catch(() => {});
  window.addEventListener("online", () => { sendNow().catch(() => {}); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.drafts === "sent") afterSend([]).catch(() => {});
    });
  }
  if (!form) return;

  form.addEventListener("input", () => { formChanged = true; });
  form.addEventListener("submit", (event) => {
    // Kept before it leaves: if the connection drops on the way, nothing she typed is lost.
    // It is written first, then the form goes: a page being left may not finish writing.
    event.preventDefault();
    const draft = drafts.draftOf(form, owner, "unsent");
    const kept = drafts.put(draft);
    formChanged = false;  // what she typed is in the draft now
    if (!navigator.onLine) {
      shownState = "unsent";
      kept.then(() => notice(form, say("unsent", draft), false)).then(drafts.askForSync);
      return;
    }
    kept.catch(() => {}).finally(() => form.submit());
  });
  // Switching language reloads the page: her answers come back in the other language.
  document.querySelectorAll(".language-switch").forEach((switcher) => {
    switcher.addEventListener("submit", (event) => {
      if (!formChanged) return;
      event.preventDefault();
      drafts.put(drafts.draftOf(form, owner, "editing")).finally(() => {
        const choice = document.createElement("input");
        choice.type = "hidden";
        choice.name = "locale";
        choice.value = event.submitter ? event.submitter.value : "";
        switcher.append(choice);
        switcher.submit();
      });
    });
  });
  // Offline, an answer that needs help now opens the help page at once, before any sending;
  // her answers are kept and come back when she returns to the questionnaire.
  form.querySelectorAll("input[data-safety]").forEach((input) => {
    input.addEventListener("change", () => {
      if (navigator.onLine || !input.checked) return;
      drafts.put(drafts.draftOf(form, owner, "editing")).finally(() => {
        window.location.assign(`/help?lang=${document.documentElement.lang}`);
      });
    });
  });

  async function restore(target) {
    const draft = await drafts.get(target.dataset.draftKey);
    if (!draft || draft.owner !== owner || draft.state === "sent") return;
    draft.label = target.dataset.draftLabel;  // named in the language the page speaks now
    await drafts.put(draft);
    // A conflict shows the server's answers' version in the form: Save then replaces them.
    const keepHidden = draft.state === "conflict";
    const values = new Map();
    for (const [name, value] of draft.entries) values.set(name, [...(values.get(name) || []), value]);
    for (const element of target.elements) {
      if (!element.name || !values.has(element.name)) continue;
      if (element.type === "hidden" && keepHidden) continue;
      const given = values.get(element.name);
      if (element.type === "radio" || element.type === "checkbox") element.checked = given.includes(element.value);
      else element.value = given[0];
    }
    target.querySelectorAll("details").forEach((details) => {
      if (details.querySelector("input:checked, select option:checked:not([value=''])")) details.open = true;
    });
    shownState = draft.state;
    const kind = { unsent: "unsent", editing: "editing", conflict: "conflict-here", check: "check" }[draft.state];
    notice(target, say(kind === "conflict-here" ? "conflictHere" : kind, draft), draft.state === "conflict");
    if (draft.state === "conflict" || draft.state === "check") {
      // Pressing Save now is her choice: it is sent as a new answer over the saved one.
      draft.state = "editing";
      await drafts.put(draft);
    }
  }
}

function notice(form, text, choice) {
  const box = form.querySelector("[data-unsent-notice]");
  if (!box) return;
  const line = box.querySelector("[data-draft-text]");
  if (line) line.textContent = text;
  const discard = box.querySelector("[data-draft-conflict]");
  if (discard) {
    discard.hidden = !choice;
    discard.querySelector("button").onclick = () => {
      window.PortalDrafts.remove(form.dataset.draftKey).then(() => window.location.reload());
    };
  }
  box.hidden = false;
  box.focus();
}

// Reminders as notifications on this phone: offered only where the browser can receive them,
// and the browser's permission question comes only after her tap on the button.
function offerPush() {
  const box = document.querySelector("[data-push]");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  const on = box.querySelector("[data-push-on]");
  const off = box.querySelector("[data-push-off]");
  const state = box.querySelector("[data-push-state]");
  const token = document.querySelector("input[name=csrf_token]");
  const post = (url, body) => fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
    body: JSON.stringify(body),
  }).then((response) => response.json().then((answer) => {
    if (!response.ok) throw new Error(answer.error || box.dataset.failed);
    return answer;
  }));
  const show = (subscribed, text) => {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    state.textContent = text || "";
  };
  const key = () => {
    const text = box.dataset.key.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(text + "=".repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(raw, (character) => character.charCodeAt(0));
  };
  box.hidden = false;
  navigator.serviceWorker.ready.then((registration) => registration.pushManager.getSubscription())
    .then((subscription) => show(Boolean(subscription && Notification.permission === "granted")))
    .catch(() => {});
  on.addEventListener("click", async () => {
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { show(false, box.dataset.blocked); return; }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: key(),
      });
      const answer = await post(box.dataset.subscribe, subscription.toJSON());
      show(true, answer.message);
    } catch (error) {
      show(false, box.dataset.failed);
    }
  });
  off.addEventListener("click", async () => {
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        const answer = await post(box.dataset.unsubscribe, { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
        show(false, answer.message);
      } else {
        show(false);
      }
    } catch (error) {
      show(true, box.dataset.failed);
    }
  });
}

function markScrollingTables() {
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (wrap.scrollWidth <= wrap.clientWidth || wrap.hasAttribute("tabindex")) return;
    wrap.tabIndex = 0;
    const caption = wrap.querySelector("caption");
    if (caption) {  // named by its caption, so it never repeats the name of its section
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption.textContent.trim());
    }
  });
}
