"""Name a browser and its system from the User-Agent header, for her list of devices."""

# Only the start is read: a header can be as long as a client cares to send.
MAX_SCANNED = 512

# First match wins: Edge, Samsung Internet and Opera also say "Chrome", Chrome says "Safari",
# Chrome and Firefox on an iPhone say "CriOS" and "FxiOS".
BROWSERS = (
    (("Edg/", "EdgA/", "EdgiOS/"), "Edge"),
    (("SamsungBrowser/",), "Samsung Internet"),
    (("OPR/", "Opera"), "Opera"),
    (("Firefox/", "FxiOS/"), "Firefox"),
    (("CriOS/", "Chrome/", "Chromium/"), "Chrome"),
    (("Safari/",), "Safari"),
)
# iPhones say "like Mac OS X" and Android says "Linux": the specific names come first.
SYSTEMS = (
    (("iPhone",), "iPhone"),
    (("iPad",), "iPad"),
    (("Android",), "Android"),
    (("Windows",), "Windows"),
    (("CrOS",), "ChromeOS"),
    (("Macintosh", "Mac OS X"), "macOS"),
    (("Linux",), "Linux"),
)


def _first_match(user_agent: str, table) -> str:
    for markers, name in table:
        if any(marker in user_agent for marker in markers):
            return name
    return ""


def describe_device(user_agent: str | None) -> tuple[str, str]:
    """Return (browser, system), e.g. ("Chrome", "Android"); an empty string for unknown."""
    user_agent = (user_agent or "")[:MAX_SCANNED]
    return _first_match(user_agent, BROWSERS), _first_match(user_agent, SYSTEMS)
