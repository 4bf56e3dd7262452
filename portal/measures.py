"""The one registry of what a check-in measures: each measure's name and its colour.

Every page and chart that names a measure takes the name from here, so the mother, her
practitioner and the PDF read one word for one thing ("Verbondenheid", as the check-in asks
"how connected did you feel"), and every chart draws a measure in its one colour: the history
page, the progress page, the practitioner's client page and the PDF alike. The colours are calm
and dark (contrast with white >= 4.5:1); dashes and markers still tell the series apart without
colour (portal/charts.py).
"""

from flask_babel import lazy_gettext as _l

NAMES = {
    "mood": _l("Mood"),
    "tension": _l("Tension"),
    "energy": _l("Energy"),
    "bonding": _l("Bonding"),
    "sleep_hours": _l("Sleep"),
    "night_wakings": _l("Night wakings"),
    "sleep_quality": _l("Sleep quality"),
    "skin_to_skin_minutes": _l("Skin-to-skin"),
}

COLOURS = {
    "mood": "#1f5f8b",
    "tension": "#6b4a8e",
    "energy": "#8a5a00",
    "bonding": "#9b3b5a",
    "sleep_hours": "#2e6b5e",
    "night_wakings": "#2e6b5e",
    "sleep_quality": "#2e6b5e",
    "skin_to_skin_minutes": "#9b3b5a",
}
assert set(COLOURS) == set(NAMES)


def name(key: str):
    """Return the measure's name (a lazy string, in the reader's language when shown)."""
    return NAMES[key]


def colour(key: str) -> str:
    """Return the measure's colour on every chart."""
    return COLOURS[key]
