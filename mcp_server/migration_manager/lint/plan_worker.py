"""The planner in a helper process, for the fixes of a long lint run.

Loading the planner costs more than linting hundreds of files (pydantic and the plan models:
~0.2 s), and a lint run needs it only at its end, to write the fixes. So lint_paths starts this
process as it begins (PlanWorker) and the import overlaps the reading of the files, on another
core. Protocol, JSON lines: a batch of ["sql", version] requests ended by an empty line; the
answer is one line per request, in order: the plan's SQL or null. EOF on stdin ends it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from .fixes import Requests


class PlanWorker:
    """plan_many backed by the helper process; on any failure of the process it plans here."""

    def __init__(self, command: list[str] | None = None, lazy: bool = False) -> None:
        """`lazy`: the process starts on start() (lint's cache calls it on the first file it has
        to lint: a run whose files all come from the cache plans nothing and starts nothing)."""
        self.command = command or [sys.executable, "-m", "migration_manager.lint.plan_worker"]
        self.used = False
        self.started = False
        self.proc: subprocess.Popen[str] | None = None
        if not lazy:
            self.start()

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        # the helper imports this very copy of the package, whatever else sys.executable has installed
        package_parent = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                # pydantic's plugins are for a project's own models: scanning the installed
                # packages for them is a tenth of the helper's start
                env={**os.environ, "PYTHONPATH": path, "PYDANTIC_DISABLE_PLUGINS": "1"},
            )
        except OSError:
            self.proc = None

    def __call__(self, requests: Requests) -> dict[tuple[str, int], str | None]:
        from .fixes import plan_here

        self.used = True
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            return plan_here(requests)
        try:
            self.proc.stdin.write("".join(json.dumps([sql, version]) + "\n" for sql, version in requests) + "\n")
            self.proc.stdin.flush()
            answers: dict[tuple[str, int], str | None] = {}
            for request in requests:
                line = self.proc.stdout.readline()
                if not line:
                    raise OSError("the plan worker stopped")
                answer = json.loads(line)
                if answer is not None and not isinstance(answer, str):
                    raise ValueError("the plan worker answered something else than SQL")
                answers[request] = answer
            return answers
        except (OSError, ValueError):
            self.close()
            return plan_here(requests)

    def close(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        # every answer asked for has been read by now (__call__ reads them all, or gave up on the
        # process): nothing is left to wait for, and an orderly exit would cost the interpreter's
        # teardown (~0.1 s of the run)
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stdin):
            if stream is not None and not stream.closed:
                stream.close()

    def __enter__(self) -> PlanWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(stdin: IO[str], stdout: IO[str]) -> None:
    from .fixes import plan_here

    batch: Requests = []
    for line in stdin:
        if line.strip():
            sql, version = json.loads(line)
            batch.append((str(sql), int(version)))
            continue
        answers = plan_here(batch)
        stdout.write("".join(json.dumps(answers[r]) + "\n" for r in batch))
        stdout.flush()
        batch = []


def main() -> None:
    from .. import model, planner  # noqa: F401  # load the planner at once: that is the point
    from ..sql import postgres  # noqa: F401

    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
