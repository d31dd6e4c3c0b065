"""The statements of one direction of a migration, as the grammar cuts them.

A data migration holds hundreds of thousands of statements. Kept as a list of objects, each
statement costs about 140 bytes on top of its text (the string's header, a Statement, a line
number), and sending them as one script costs another copy of every text. So a direction's
texts are laid end to end, each followed by a newline, in chunks of about 256 KB, with two
arrays saying where each text starts and on which line; a :class:`Statement` is made only
when one is read. A chunk that fills up is kept compressed (zlib's fastest level: W2's
SQL shrinks thirteen times, at 0.08 s for 23 MB) and decompressed a chunk at a time as it is
read, so the statements of a 23 MB file hold 5 MB, not 27, while they run; a direction under
256 KB is never compressed. :meth:`Statements.script_parts` hands out the texts a chunk at a
time, for a runner that makes them one script.

On W2 (23 MB, 200,000 INSERTs), the parse's peak over the process before it: 15 MB with 1 MB
chunks and reads, 6 MB with 256 KB ones, at the same speed.
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

_CHUNK = 1 << 18  # characters of text per chunk, about
_LEVEL = 1  # zlib's fastest: on SQL it compresses nearly as well as its default, twice as fast


@dataclass(frozen=True, slots=True)
class Statement:
    """One execution unit, sent to the database exactly as ``text``.

    ``line`` is where it starts in the file, for error messages.
    """

    text: str
    line: int


class _Texts:
    """Texts end to end, each followed by ``\\n``: ``offsets[i]`` is where text ``i`` starts
    in the chunks read as one string, ``lines[i]`` the line of the file it starts on. A full
    chunk is stored as its UTF-8 compressed, the last one (never full) as text. (A lone
    surrogate, which an ENVSUB value from a non-UTF-8 environment may hold, goes through
    as it is: the driver, not the store, decides what to make of it.)"""

    __slots__ = ("chunks", "chunk_offsets", "offsets", "lines", "size", "_pending", "_sealed", "_cached")

    def __init__(self) -> None:
        self.chunks: list[str | bytes] = []
        self.chunk_offsets: list[int] = []
        self.offsets = array("q")
        self.lines = array("q")
        self.size = 0  # characters of all texts with their newlines
        self._pending: list[str] = []
        self._sealed = 0  # characters in the chunks
        self._cached: tuple[int, str] = (-1, "")  # the chunk read last, decompressed

    def append(self, text: str, line: int) -> None:
        self.offsets.append(self.size)
        self.lines.append(line)
        self._pending.append(text)
        self.size += len(text) + 1
        if self.size - self._sealed >= _CHUNK:
            self.seal()

    def seal(self) -> None:
        """Make the pending texts a chunk (a chunk always ends where a text does)."""
        if self._pending:
            self._pending.append("")
            text = "\n".join(self._pending)
            self.chunk_offsets.append(self._sealed)
            self.chunks.append(zlib.compress(text.encode(errors="surrogatepass"), _LEVEL) if len(text) >= _CHUNK else text)
            self._pending = []
            self._sealed = self.size

    def position(self, index: int) -> int:
        """Where text ``index`` starts (the end of the last text, for one past it)."""
        return self.offsets[index] if index < len(self.offsets) else self.size

    def chunk(self, index: int) -> str:
        """Chunk ``index`` as text (the one read last is kept, for reads one by one)."""
        stored = self.chunks[index]
        if isinstance(stored, str):
            return stored
        cached = self._cached  # read once: a batch is made in another thread than it runs in
        if cached[0] != index:
            cached = self._cached = (index, zlib.decompress(stored).decode(errors="surrogatepass"))
        return cached[1]

    def items(self, start: int, stop: int) -> Iterator[tuple[str, int]]:
        """(text, line) of texts ``start`` to ``stop``."""
        return zip(self.texts(start, stop), self.lines[start:stop])

    def texts(self, start: int, stop: int) -> Iterator[str]:
        """Texts ``start`` to ``stop``, walking the chunks in order."""
        self.seal()
        offsets, count = self.offsets, len(self.offsets)
        base = limit = 0
        chunk = ""
        for i in range(start, stop):
            begin = offsets[i]
            if begin >= limit:
                index = bisect_right(self.chunk_offsets, begin) - 1
                chunk, base = self.chunk(index), self.chunk_offsets[index]
                limit = base + len(chunk)
            end = (offsets[i + 1] if i + 1 < count else self.size) - 1
            yield chunk[begin - base : end - base]

    def parts(self, start: int, stop: int) -> Iterator[str]:
        """Texts ``start`` to ``stop``, each followed by ``\\n``, a chunk's worth at a time."""
        if start >= stop:
            return
        self.seal()
        begin = self.offsets[start]
        end = self.position(stop)
        first = bisect_right(self.chunk_offsets, begin) - 1
        for index in range(first, len(self.chunks)):
            base = self.chunk_offsets[index]
            if base >= end:
                return
            chunk = self.chunk(index)
            low, high = max(begin - base, 0), min(end - base, len(chunk))
            yield chunk if (low, high) == (0, len(chunk)) else chunk[low:high]


class Statements(Sequence[Statement]):
    """A direction's statements in order; a slice is a Statements over the same texts."""

    __slots__ = ("_texts", "_start", "_stop", "append")

    def __init__(self, statements: Iterable[Statement] = ()) -> None:
        self._texts = _Texts()
        self._start = 0
        self._stop: int | None = None  # None: up to the last text, as it grows
        self.append: Callable[[str, int], None] = self._texts.append
        """Add a statement's text and line (a slice, made without it, is read-only)."""
        for statement in statements:
            self.append(statement.text, statement.line)

    def texts(self) -> Iterator[str]:
        """The texts alone, in order, for a reader that needs no line numbers."""
        return self._texts.texts(self._start, self._end)

    def script_parts(self) -> Iterator[str]:
        """The texts, each followed by a newline, as pieces that joined make the script that
        runs them one after another (the empty text adds an empty line), read a chunk at a
        time: a runner that appends each to its script holds one chunk beside it, not all."""
        return self._texts.parts(self._start, self._end)

    def spans(self, max_chars: int, max_count: int) -> Iterator[Statements]:
        """The statements in order as consecutive slices of at most ``max_count`` statements
        whose texts, each with its newline, hold at most ``max_chars`` characters (a larger
        statement: a slice of its own); cut by the offsets, without reading a text."""
        texts, start, end = self._texts, self._start, self._end
        offsets = texts.offsets
        while start < end:
            stop = min(start + max_count, end)
            limit = offsets[start] + max_chars
            if texts.position(stop) > limit:
                stop = max(start + 1, bisect_right(offsets, limit, start + 1, stop) - 1)
            yield self._view(start, stop)
            start = stop

    def _view(self, start: int, stop: int) -> Statements:
        """Statements ``start`` to ``stop`` of the texts, read-only."""
        view = Statements.__new__(Statements)
        view._texts, view._start, view._stop = self._texts, start, stop
        return view

    @property
    def chars(self) -> int:
        """Characters of the texts, each with its newline."""
        return self._texts.position(self._end) - self._texts.position(self._start)

    @property
    def _end(self) -> int:
        return len(self._texts.offsets) if self._stop is None else self._stop

    def __len__(self) -> int:
        return self._end - self._start

    @overload
    def __getitem__(self, index: int) -> Statement: ...
    @overload
    def __getitem__(self, index: slice) -> Statements: ...
    def __getitem__(self, index: int | slice) -> Statement | Statements:
        start, stop = self._start, self._end
        if isinstance(index, slice):
            low, high, step = index.indices(stop - start)
            if step != 1:
                return Statements(list(self)[index])
            return self._view(start + low, start + max(low, high))
        position = index + (stop - start if index < 0 else 0)
        if not 0 <= position < stop - start:
            raise IndexError("statement index out of range")
        [(text, line)] = self._texts.items(start + position, start + position + 1)
        return Statement(text, line)

    def __iter__(self) -> Iterator[Statement]:
        return (Statement(text, line) for text, line in self._texts.items(self._start, self._end))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Statements({list(self)!r})"
