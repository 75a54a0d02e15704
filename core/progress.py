"""Progress reporting for long management commands.

On a terminal: a tqdm bar with rate and time left. Into a log or a pipe: a plain line every
tenth of the way ("seekers: 20,000/100,000 (20%), 5,120/s, 16 s left"), because carriage
returns make a log unreadable.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import NoReturn, Protocol

from tqdm import tqdm


class TextStream(Protocol):
    """What a command's stdout offers (a file, or Django's OutputWrapper)."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...

    def isatty(self) -> bool: ...


class Progress:
    def __init__(
        self,
        *,
        total: int,
        description: str,
        stream: TextStream,
        is_terminal: bool | None = None,
        steps: int = 10,
    ) -> None:
        self.total = total
        self.description = description
        self.stream = stream
        self.done = 0
        self.steps = max(1, steps)
        self._next_step = 1
        self._started = time.monotonic()
        terminal = stream.isatty() if is_terminal is None else is_terminal
        self._bar: tqdm[NoReturn] | None = None
        if terminal:
            self._bar = tqdm(
                total=total, desc=description, unit="rows", unit_scale=True, file=stream
            )

    def advance(self, count: int) -> None:
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
            return
        reached = self.done * self.steps // self.total if self.total else 0
        if reached >= self._next_step:
            self._write_line()
            self._next_step = reached + 1

    def _write_line(self) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        percent = 100 * self.done // self.total if self.total else 100
        self.stream.write(
            f"{self.description}: {self.done:,}/{self.total:,} ({percent}%), "
            f"{rate:,.0f}/s, {left:,.0f} s left\n"
        )
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.total == 0:
            self._write_line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
