"""The planner's fixes of earlier lint runs, kept beside the per-file cache (cache.py), so that a
new migration whose statements have shapes seen before gets its fixes without loading the planner
(pydantic and the plan models cost more than linting a file).

What is kept: each (statement or shape template, PostgreSQL version) the planner was asked for and
its answer, and what resolve learnt of shapes (fixes.Shapes). One file per version of the tool (its
name carries cache.tool_hash), signed like the packs, written atomically; bounded (the oldest
answers go first). Runs with --no-cache neither read nor write it.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache_files import make_folder, prune, sign, signing_key, tool_hash, verified, write_atomically

if TYPE_CHECKING:
    from .fixes import PlanMany, Requests, Shapes

FORMAT = 1
MOST = 20_000  # answers kept


class FixStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.plans: dict[tuple[str, int], str | None] = {}
        self._memory: Shapes | None = None
        self._loaded = False
        self.asked = 0  # requests the planner answered in this run (not found here): save writes then

    def path(self) -> Path:
        return self.folder / f"fixes-{hashlib.sha256(tool_hash().encode()).hexdigest()[:24]}.pickle"

    @property
    def memory(self) -> Shapes:
        self._load()
        assert self._memory is not None
        return self._memory

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from .fixes import Shapes

        self._memory = Shapes()
        key = signing_key()
        if key is None:
            return
        try:
            signed = verified(self.path().read_bytes(), key)
            data: Any = pickle.loads(signed) if signed is not None else None  # never unpickled unsigned
        except Exception:  # missing, truncated, another layout: start afresh
            return
        if not (isinstance(data, dict) and data.get("format") == FORMAT):
            return
        plans, trusted, seen = data.get("plans"), data.get("trusted"), data.get("seen")
        if isinstance(plans, dict) and isinstance(trusted, dict) and isinstance(seen, dict):
            self.plans, self._memory = plans, Shapes(trusted=trusted, seen=seen)

    def wrap(self, plan_many: PlanMany) -> PlanMany:
        """plan_many answering from the store first: the planner is asked only for the rest."""

        def answer(requests: Requests) -> dict[tuple[str, int], str | None]:
            self._load()
            missing = [r for r in requests if r not in self.plans]
            if missing:
                self.plans.update(plan_many(missing))
            self.asked += len(missing)
            return {r: self.plans[r] for r in requests}

        return answer

    def save(self) -> None:
        """Write the store when this run asked the planner for something (else it is as it was)."""
        if not self.asked or self._memory is None:
            return
        key = signing_key()
        if key is None:
            return
        plans = dict(list(self.plans.items())[-MOST:])
        data = {"format": FORMAT, "plans": plans, "trusted": self._memory.trusted, "seen": self._memory.seen}
        try:
            make_folder(self.folder)
            write_atomically(self.path(), sign(pickle.dumps(data, pickle.HIGHEST_PROTOCOL), key))
            prune(self.folder, "fixes-", 2)  # this version's, and the one before (another checkout's)
        except OSError:
            pass  # a read-only checkout: lint works the same, only its fixes are planned again
