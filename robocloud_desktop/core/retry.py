"""How hard the client tries before giving up. Plain data, cheap to import."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. `attempts` counts the first try; `budget` bounds tries and waits in seconds."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 30.0

    def backoff(self, attempt: int) -> float:
        # Jitter keeps many clients (or many runs of one monitor) from retrying in lockstep.
        return min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1)) * random.uniform(0.8, 1.2)


NO_RETRY = RetryPolicy(attempts=1)
