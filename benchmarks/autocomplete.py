"""Autocomplete answer time for /cast and /episode over 1,000 queries (median and worst).

Run: python benchmarks/autocomplete.py
Measures the lookup the autocomplete callback runs (ranking every name and alias of every language);
the Discord round trip
on top is about 1 ms against the local stand-in (see discord-emulation.md).
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from bot.clock import SystemClock
from bot.content.loader import load_catalog
from bot.content.translations import load_translations
from bot.services.content import LocalizedContent
from bot.services.lookups import LookupService

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    catalog = load_catalog(ROOT / "data")
    # every language loaded, as the bot runs: a name typed in any of them is matched
    content = LocalizedContent(load_translations(ROOT / "data", catalog))
    service = LookupService(content, None, SystemClock())  # type: ignore[arg-type]
    rng = random.Random(1)
    names = [n for m in catalog.cast for n in m.names] + [e.title for e in catalog.episodes]
    queries = []
    for _ in range(1000):
        name = rng.choice(names)
        cut = name[: rng.randint(1, len(name))]
        if rng.random() < 0.3 and len(cut) > 3:  # a typo
            i = rng.randrange(len(cut))
            cut = cut[:i] + cut[i + 1 :]
        queries.append(cut)
    for label, run in (("cast", service.cast_suggestions), ("episode", service.episode_suggestions)):
        times = []
        for query in queries:
            start = time.perf_counter()
            run(query, 25)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{label:8s} autocomplete over {len(queries)} queries: median {statistics.median(times):.3f} ms, "
            f"p99 {sorted(times)[int(len(times) * 0.99)]:.3f} ms, worst {max(times):.3f} ms"
        )


if __name__ == "__main__":
    main()
