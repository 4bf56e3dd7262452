// Small enhancements: the phone menu (a disclosure button that shows the rest of the
// navigation), selects that apply their choice at once, the service worker that keeps the
// help page offline, and a check-in that is kept on the phone until it is really saved.
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

  // A wide table that scrolls sideways on a small screen must be reachable by keyboard.
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (wrap.scrollWidth <= wrap.clientWidth || wrap.hasAttribute("tabindex")) return;
    wrap.tabIndex = 0;
    const caption = wrap.querySelector("caption");
    if (caption) {  // named by its caption, so it never repeats the name of its section
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption.textContent.trim());
    }
  });
  if (!navigator.onLine) {
    document.querySelectorAll("[data-offline-notice]").forEach((notice) => { notice.hidden = false; });
  }
  keepUnsentCheckin();
});

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").then(() => navigator.serviceWorker.ready).then((registration) => {
      if (registration.active) registration.active.postMessage({ language: document.documentElement.lang });
    }).catch(() => {});  // without it the portal works as before, only not offline
  });
}

// Her answers are copied to this phone when she sends a check-in, and removed once the
// thank-you page shows it was saved. If the network dropped, the form fills them in again
// and says they are not saved yet: nothing she typed is silently lost.
const UNSENT_KEY = "portal-unsent-checkin";

function keepUnsentCheckin() {
  let storage;
  try { storage = window.localStorage; } catch (error) { return; }
  if (!storage) return;
  if (document.querySelector("[data-checkin-saved]")) {
    storage.removeItem(UNSENT_KEY);
    return;
  }
  const unsent = storage.getItem(UNSENT_KEY);
  if (unsent) {
    document.querySelectorAll("[data-unsent-notice]").forEach((notice) => { notice.hidden = false; });
  }
  const form = document.querySelector("form[data-keep-unsent]");
  if (!form) return;
  if (unsent) restoreAnswers(form, JSON.parse(unsent));
  form.addEventListener("submit", (event) => {
    const answers = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrf_token" && name !== "submission_id") answers.push([name, value]);
    }
    storage.setItem(UNSENT_KEY, JSON.stringify(answers));
    // A wide table that scrolls sideways on a small screen must be reachable by keyboard.
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (wrap.scrollWidth <= wrap.clientWidth || wrap.hasAttribute("tabindex")) return;
    wrap.tabIndex = 0;
    const caption = wrap.querySelector("caption");
    if (caption) {  // named by its caption, so it never repeats the name of its section
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption.textContent.trim());
    }
  });
  if (!navigator.onLine) {
      event.preventDefault();
      showUnsent(form);
    }
  });
  document.querySelectorAll("form[action$='/logout']").forEach((logout) => {
    logout.addEventListener("submit", () => storage.removeItem(UNSENT_KEY));
  });
}

function restoreAnswers(form, answers) {
  const values = new Map();
  for (const [name, value] of answers) values.set(name, [...(values.get(name) || []), value]);
  for (const element of form.elements) {
    if (!element.name || !values.has(element.name) || element.type === "hidden") continue;
    const given = values.get(element.name);
    if (element.type === "radio" || element.type === "checkbox") element.checked = given.includes(element.value);
    else element.value = given[0];
  }
  showUnsent(form);
}

function showUnsent(form) {
  const notice = form.querySelector("[data-unsent-notice]");
  if (notice) {
    notice.hidden = false;
    notice.focus();
  }
}
