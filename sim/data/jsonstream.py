"""Read a large JSON document a piece at a time: the outer objects key by key, big arrays item by item.

A Telegram export of a million messages is several hundred megabytes; as one Python string
(four bytes a character once it holds an emoji) plus its decoded tree it would not fit in
2 GiB. `Stream` decodes the file in 8 MiB chunks and lets the caller walk the outer
structure (`keys`, `items`) while each small value — one message — is decoded whole by the
json module (`value`), so memory holds one chunk and the caller's compact results.
Errors carry the line they happened on; a file that stops early says so.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

CHUNK = 8 * 2**20
WS = " \t\r\n"


class JSONProblem(Exception):
    def __init__(self, line: int, what: str, truncated: bool):
        self.line, self.what, self.truncated = line, what, truncated
        super().__init__(f"line {line}: {what}")


class Stream:
    def __init__(self, f: IO[bytes], object_hook: Callable[[dict], Any] | None = None):
        self.f = f
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf, self.pos, self.lines, self.eof = "", 0, 0, False
        self._lpos = self._lcount = 0  # newlines in buf[:_lpos], so line() counts only what is new
        self.decoder = json.JSONDecoder(object_hook=object_hook)

    # ---- the buffer ----------------------------------------------------------------------------
    def _fill(self, need: int = CHUNK) -> bool:
        if self.eof:
            return False
        self.lines += self._lcount + self.buf.count("\n", self._lpos, self.pos)
        self._lpos = self._lcount = 0
        data = self.f.read(max(need, CHUNK))
        self.buf = self.buf[self.pos:] + self.dec.decode(data, final=not data)
        self.pos = 0
        self.eof = not data
        return True

    def line(self) -> int:
        """The line the reader is on (counting only the text since the last call)."""
        if self.pos >= self._lpos:
            self._lcount += self.buf.count("\n", self._lpos, self.pos)
        else:
            self._lcount = self.buf.count("\n", 0, self.pos)
        self._lpos = self.pos
        return self.lines + self._lcount + 1

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            n = len(self.buf)
            while self.pos < n and self.buf[self.pos] in WS:
                self.pos += 1
            if self.pos < n:
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, ch: str) -> None:
        got = self.peek()
        if got != ch:
            self.fail(f"expected {ch!r}" + (f", found {got!r}" if got else ""), truncated=not got)
        self.pos += 1

    def fail(self, what: str, truncated: bool = False):
        raise JSONProblem(self.line(), "the JSON ends early (truncated file?)" if truncated else f"not valid JSON ({what})", truncated)

    # ---- values ----------------------------------------------------------------------------------
    def value(self) -> Any:
        """Decode the next value whole (an object, array, string, number ...), reading on as needed."""
        self.peek()
        need = CHUNK
        while True:
            try:
                v, end = self.decoder.raw_decode(self.buf, self.pos)
                if self.buf[self.pos] in '{["' or end < len(self.buf) or self.eof:  # a number may go on in the next chunk
                    self.pos = end
                    return v
            except json.JSONDecodeError as e:
                near_end = e.pos >= len(self.buf) - 2**20  # the value may simply go on past the buffer
                if self.eof or not near_end:
                    cut = self.eof and (e.pos >= len(self.buf.rstrip()) - 1 or "Unterminated" in e.msg)
                    raise JSONProblem(self.lines + e.lineno, "the JSON ends early (truncated file?)" if cut else f"not valid JSON ({e.msg})",
                                      cut) from None
            self._fill(need)
            need *= 2

    def keys(self) -> Iterator[str]:
        """The keys of the object starting here; the caller reads (or walks) each value."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                self.fail("expected a key", truncated=not self.peek())
            key = self.value()
            self.expect(":")
            yield key
            nxt = self.peek()
            if nxt == ",":
                self.pos += 1
            elif nxt == "}":
                self.pos += 1
                return
            else:
                self.fail("expected ',' or '}'", truncated=not nxt)

    def items(self) -> Iterator[None]:
        """Walk the array starting here; at each yield the caller reads one item."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield None
            nxt = self.peek()
            if nxt == ",":
                self.pos += 1
            elif nxt == "]":
                self.pos += 1
                return
            else:
                self.fail("expected ',' or ']'", truncated=not nxt)
