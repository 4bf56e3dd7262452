// Small enhancements: the phone menu (a disclosure button that shows the rest of the
// navigation) and selects that apply their choice at once.
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
});
