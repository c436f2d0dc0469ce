"""A dependency-free progress bar for management commands (stderr, so stdout stays parseable)."""

import sys
from typing import TextIO


class ProgressBar:
    """``bar = ProgressBar(total, label="orders"); bar(done)`` redraws only when the shown percentage moves.

    On a terminal it redraws one line; elsewhere (CI logs, pipes) it prints a line every 10%.
    """

    def __init__(self, total: int, *, label: str = "", stream: TextIO | None = None, width: int = 30):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._shown = -1

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        percent = 100 if not self.total else min(100, int(100 * done / self.total))
        step = percent if self.tty else percent - percent % 10
        if step == self._shown:
            return
        self._shown = step
        filled = self.width * percent // 100
        text = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {done}/{self.total}"
        if self.tty:
            self.stream.write("\r" + text + ("\n" if percent == 100 else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
