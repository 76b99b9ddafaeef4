"""Numbers, times and messages as the pages show them."""

import datetime as _dt
import re
from pathlib import Path

from engine.library import BIDI_CONTROLS


def format_duration(seconds: float) -> str:
    """A clock-style duration (1:02:03, 4:05), or a dash while it is not known (NaN, infinite)."""
    if seconds != seconds or seconds == float("inf"):
        return "—"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def counted(n: object, noun: str) -> str:
    """"1 block", "9 blocks": "1 blocks" and "for 1 steps" stood on the Models page (a new-user pass)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_took(seconds: float) -> str:
    """How long a job took, after "in": "5 converted in 0:00." read oddly of a quick one (a new-user pass)."""
    if seconds < 1:
        return "<1 s"
    return f"{int(seconds)} s" if seconds < 60 else format_duration(seconds)


def format_time_left(seconds: float) -> str:
    """"4:05 left": "ETA 4:05" read as a clock time as well as a duration (a new-user pass)."""
    duration = format_duration(seconds)
    return "time left not known yet" if duration == "—" else f"{duration} left"


def clause(text: str) -> str:
    """A message to follow a colon ("Not converted: the input folder …"): its first letter lowered unless it begins
    a file name or an acronym ("horse.pt", "cUDA" came of lowering them all; a review)."""
    text = sentence(text).rstrip(".")
    if len(text) > 1 and not FILE_NAME_FIRST.match(text) and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def sentence(text: str) -> str:
    """The engine's messages are fragments (they follow "error:" or "warning:" on the console): on a page each is a
    sentence, capitalised and closed."""
    text = text.strip()
    if not text:
        return text
    if not FILE_NAME_FIRST.match(text):  # "Metrics.jsonl: 12 record(s)…" named a file that is not there
        text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "…", "!", "?")) else text + "."


FILE_NAME_FIRST = re.compile(r"[^\s/]*\.[A-Za-z0-9]{1,12}(:|\s|$)|[/~]")  # "metrics.jsonl: …", "/a/b …", "~/x …"


def format_timestamp(iso: str) -> str:
    """A model file's ISO 8601 time ("2026-11-28T07:50:47+00:00") in this computer's time zone, to the minute;
    anything else as it is."""
    try:
        moment = _dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def file_name_on_one_line(path: str) -> str:
    """A file's name as one line: a name holding a line break split its row of the file list in two."""
    return Path(path).name.replace("\r", "↵").replace("\n", "↵")


def domain_name(name: object, limit: int = 60) -> str:
    """A side's name as one line of at most ``limit`` characters: a stranger's model named a side in 990 letters, or
    in four lines, and the Models page grew past the screen, the Convert page's Direction box cut (a models pass)."""
    text = " ".join(str(name).translate(BIDI_CONTROLS).split())  # U+202E showed "evil" as "live"
    return text if len(text) <= limit else text[:limit // 2 - 1] + "…" + text[-(limit - limit // 2):]
