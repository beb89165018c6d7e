"""Exponential backoff with full jitter, shared by the live adapters."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


def backoff_delays(attempts: int, base_s: float, cap_s: float = 60.0, rng=random.random):
    """Delays before attempts 2..N: uniform in [0, min(cap, base * 2**k)] (AWS 'full jitter')."""
    return [rng() * min(cap_s, base_s * 2**k) for k in range(attempts - 1)]


Sleep = Callable[[float], None]
default_sleep: Sleep = time.sleep
