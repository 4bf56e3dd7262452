"""Safe redirects: only to paths on this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Return target if it is a local path (no scheme, no host, no backslash tricks), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
