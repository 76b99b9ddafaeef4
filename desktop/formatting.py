"""Numbers as the pages show them."""


def format_duration(seconds: float) -> str:
    """A clock-style duration (1:02:03, 4:05), or a dash while it is not known (NaN, infinite)."""
    if seconds != seconds or seconds == float("inf"):
        return "—"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
