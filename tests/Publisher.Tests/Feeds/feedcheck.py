#!/usr/bin/python3
"""Parse a feed file with feedparser and print a JSON summary to stdout.

Usage: /usr/bin/python3 feedcheck.py FILE

Meant to be run with Debian's /usr/bin/python3 and the python3-feedparser
package. Output is one JSON object (UTF-8):

  {"bozo": bool, "bozo_exception": str|null, "version": str,
   "title": str|null, "link": str|null,
   "entries": [{"id", "title", "link", "published", "published_parsed_utc",
                "updated", "author", "tags", "summary", "content"}, ...]}

Exit status: 0 whenever FILE could be read (even if feedparser reports
bozo), 2 if FILE cannot be read, 1 for a usage error.

Notes:
  * "published" and "updated" are the raw strings from the feed.
    "updated" is read without feedparser's deprecated fallback from
    `updated` to `published`, so it is null when the entry has no
    updated/modified element of its own.
  * "published_parsed_utc" is feedparser's published_parsed (always UTC)
    formatted as YYYY-MM-DDTHH:MM:SSZ, or null if it could not be parsed.
  * "summary" and "content" are as feedparser returns them, i.e. after its
    default HTML sanitizing and relative-URI resolution.
  * "bozo_exception" is "ExceptionType: message".
"""

import calendar
import datetime
import json
import sys

import feedparser


def _raw(d, key):
    """Value stored under key, bypassing FeedParserDict's key aliases/fallbacks."""
    return dict.get(d, key)


def _utc_iso(struct):
    if not struct:
        return None
    try:
        ts = calendar.timegm(struct)
        dt = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(e):
    content = e.get("content") or []
    first_content = None
    if content:
        first_content = content[0].get("value")
    tags = [t.get("term") for t in (e.get("tags") or []) if t.get("term") is not None]
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "link": e.get("link"),
        "published": _raw(e, "published"),
        "published_parsed_utc": _utc_iso(_raw(e, "published_parsed")),
        "updated": _raw(e, "updated"),
        "author": e.get("author"),
        "tags": tags,
        "summary": e.get("summary"),
        "content": first_content,
    }


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s FILE\n" % (argv[0] if argv else "feedcheck.py"))
        return 1
    path = argv[1]
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as ex:
        sys.stderr.write("feedcheck: cannot read %s: %s\n" % (path, ex))
        return 2

    # Pass bytes (not the path) so feedparser never treats FILE as a URL and
    # detects the encoding from the XML declaration / BOM itself.
    d = feedparser.parse(data)

    exc = d.get("bozo_exception")
    result = {
        "bozo": bool(d.get("bozo", False)),
        "bozo_exception": ("%s: %s" % (type(exc).__name__, exc)) if exc is not None else None,
        "version": d.get("version", ""),
        "title": d.feed.get("title"),
        "link": d.feed.get("link"),
        "entries": [_entry(e) for e in d.entries],
    }

    out = json.dumps(result, ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
