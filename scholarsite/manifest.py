"""What the last build wrote into an output folder, kept in `.cache/` so that a new process
does not render again the pages that would come out the same.

For each rendered file it records the page's key and the file's size and modification time
after the build. A page whose key is unchanged and whose file still has that size and time
is kept as it is: the key hashes everything the page shows, and a file edited or deleted by
hand fails the check and is rendered again. The record carries the paper cache's stamp and
Jinja's version, so a new engine version, or a library update, starts afresh.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from . import cache


class Kept:
    """Stands for a file's bytes when the file in the output folder is already right."""

    def __repr__(self) -> str:
        return "KEPT"


KEPT = Kept()


class Manifest:
    """page path -> (page key, file size, file mtime_ns) for one output folder."""

    def __init__(self, record: Path | None, output: Path):
        self.record = record
        self.output = output
        self.entries: dict[str, tuple[str, int, int]] = (
            cache.read_stamped(record, _stamp(), _is_entry) if record else {})

    def kept(self, output: str, key: str) -> bool:
        """Is the file of this page already what rendering it with `key` would give?"""
        entry = self.entries.get(output)
        if entry is None or entry[0] != key:
            return False
        try:
            st = os.stat(os.path.join(self.output, output))   # strings: 20,000 pages at 10,000 papers
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == entry[1:]

    def save(self, pages: dict[str, tuple[str, Any]],
             written: dict[str, tuple[int, int]] | None = None) -> None:
        """Record the pages of a finished build: output path -> (key, bytes or KEPT).
        `written`: the size and time of the files the build wrote (writer.Output.written);
        the others are asked of the disk."""
        if self.record is None:
            return
        written = written or {}
        entries: dict[str, tuple[str, int, int]] = {}
        for output, (key, data) in pages.items():
            if data is KEPT and output in self.entries:
                entries[output] = self.entries[output]
                continue
            known = written.get(output)
            if known is not None:
                entries[output] = (key, *known)
                continue
            try:
                st = os.stat(os.path.join(self.output, output))
            except OSError:
                continue
            entries[output] = (key, st.st_size, st.st_mtime_ns)
        self.entries = entries
        cache.write_stamped(self.record, _stamp(), entries)


def for_output(content_dir: Path, output: Path) -> Manifest:
    """The record of `output`, beside the paper cache; an empty one when caching is off."""
    if os.environ.get("SCHOLARSITE_CACHE", "1") == "0":
        return Manifest(None, output)
    name = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
    return Manifest(Path(content_dir).resolve().parent / cache.CACHE_DIR / f"pages-{name}.pickle",
                    output)


def _stamp() -> str:
    """The paper cache's stamp, and the template engine's versions: pages depend on both."""
    return " ".join([cache.engine_stamp(), cache.library_version("jinja2", "jinja2"),
                     cache.library_version("markupsafe", "markupsafe")])


def _is_entry(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 3
