"""How long ``load_catalog(data/)`` takes: part of every start-up, ``--check`` and ``check-pack``.

Run: python -m benchmarks.content_load [DATA_DIR] [--runs N]   (default: the bundled data/, 30 runs)

Loads the whole catalog N times in this process (after one warm-up load, so imports and the
schema build are not counted) and prints the best and median wall time, plus the median time to
parse and validate the largest trivia pack as text, which is what an upload costs before its audit.
Then, what start-up pays once: in 3 fresh interpreters, importing the loader (pydantic and the
schema build included) and the first load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.procstat import machine
from bot.content.loader import load_catalog, load_pack

ROOT = Path(__file__).resolve().parents[1]


def _timed(runs: int, work: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=ROOT / "data")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    catalog = load_catalog(args.data_dir)  # warm-up, and a failure here is a content error, not a figure
    print(f"machine: {machine()}")
    print(f"content: {catalog.counts()}")
    whole = _timed(args.runs, lambda: load_catalog(args.data_dir))
    print(
        f"load_catalog: best {min(whole) * 1000:.1f} ms, median {statistics.median(whole) * 1000:.1f} ms "
        f"over {args.runs} runs"
    )
    largest = max((args.data_dir / "trivia").glob("*.yaml"), key=lambda p: p.stat().st_size)
    text = largest.read_text(encoding="utf-8")
    one = _timed(args.runs, lambda: load_pack(text, "pack"))
    print(
        f"load_pack({largest.name}, {len(text):,} bytes, as text): best {min(one) * 1000:.1f} ms, "
        f"median {statistics.median(one) * 1000:.1f} ms"
    )

    cold = [_cold(args.data_dir) for _ in range(3)]
    print(
        "fresh process, best of 3: import "
        f"{min(c[0] for c in cold):.0f} ms, first load_catalog {min(c[1] for c in cold):.0f} ms"
    )


_COLD = """
import sys, time
start = time.perf_counter()
from pathlib import Path
from bot.content.loader import load_catalog
imported = time.perf_counter()
load_catalog(Path(sys.argv[1]))
print((imported - start) * 1000, (time.perf_counter() - imported) * 1000)
"""


def _cold(data_dir: Path) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _COLD, str(data_dir)], check=True, capture_output=True, text=True)
    imported, loaded = out.stdout.split()
    return float(imported), float(loaded)


if __name__ == "__main__":
    main()
