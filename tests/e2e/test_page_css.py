"""In Chromium: every page looks exactly the same with its cut of the stylesheet as with all of it.

Each page is sent only the rules it can use (portal/page_css.py). Here every element's computed
style (and that of its ::before and ::after) is read with the page's own cut, then the whole
inline stylesheet is put in its place and everything is read again: not one property may differ.
"""

import pytest

from portal.demo import client_email
from tests.e2e.test_accessibility import (  # noqa: F401 (fixture)
    ANONYMOUS,
    MOTHER,
    PRACTITIONER,
    demo,
    sign_in,
)

SNAPSHOT = """() => {
  const read = (el, pseudo, into, prefix) => {
    const style = getComputedStyle(el, pseudo);
    // Custom properties are left out: a cut drops the unused ones, which change nothing.
    for (const name of style) {
      if (!name.startsWith('--')) into[prefix + name] = style.getPropertyValue(name);
    }
  };
  return [...document.querySelectorAll('body *')].map((el, index) => {
    const style = {};
    read(el, null, style, '');
    read(el, '::before', style, '::before ');
    read(el, '::after', style, '::after ');
    return {element: index + ' ' + el.tagName.toLowerCase()
              + (el.className && el.className.baseVal === undefined ? '.' + el.className : ''),
            style};
  });
}"""
# Kept in the page between the two readings, so the large snapshot never leaves the browser.
COMPARE = "css => {\n  const snapshot = " + SNAPSHOT + """;
  const cut = snapshot();
  document.querySelector('head style').textContent = css;
  const whole = snapshot();
  if (cut.length !== whole.length) return ['the number of elements changed'];
  const changed = [];
  cut.forEach((before, index) => {
    const after = whole[index].style;
    const names = Object.keys(after).filter(name => before.style[name] !== after[name]);
    if (names.length) changed.push(before.element + ': ' + names.slice(0, 4).map(
      name => name + ' ' + before.style[name] + ' -> ' + after[name]).join('; '));
  });
  return changed;
}"""


def differences(page, whole_css: str) -> list[str]:
    """Return the elements whose computed style changes when the whole sheet replaces the cut."""
    return page.evaluate(COMPARE, whole_css)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_looks_the_same_with_its_cut_as_with_the_whole_sheet(
    live_app, base_url, demo, browser, scheme  # noqa: F811 (fixture)
):
    whole_css = live_app.extensions["assets"].inline_css
    # The CSP allows only the cut's hash: the test alone may put the whole sheet in its place.
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True,
                                  color_scheme=scheme)
    page = context.new_page()
    found = {}
    pages = ANONYMOUS if scheme == "light" else ["/help"]
    for path in pages:
        page.goto(f"{base_url}{path}")
        found[path] = differences(page, whole_css)
    sign_in(page, base_url, client_email(1))
    for path in MOTHER if scheme == "light" else ["/me/", "/reports/me", "/me/history"]:
        page.goto(f"{base_url}{path}")
        found[f"her {path}"] = differences(page, whole_css)
    context.close()
    if scheme == "light":
        context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
        page = context.new_page()
        sign_in(page, base_url, "practitioner@demo.test")
        for path in PRACTITIONER:
            page.goto(f"{base_url}{path.format(client_id=demo['client_id'])}")
            found[f"staff {path}"] = differences(page, whole_css)
        context.close()
    assert {path: changed for path, changed in found.items() if changed} == {}
