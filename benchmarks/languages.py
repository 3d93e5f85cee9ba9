"""What the fandom's languages cost: memory per language loaded, and the time to render a message.

Run: python -m benchmarks.languages

- memory: in a fresh process per language, ``tracemalloc`` around loading that language's content
  (``data/translations/<locale>/`` alone beside the English) and its message catalogue (the ``.po`` read
  with Babel and compiled in memory), after English and the libraries are loaded; then the resident size
  with English only and with all five;
- render: a typical public message (a plural, a placeholder, a nested message) rendered 100,000 times
  in English (no catalogue: the English is the msgid) and in each language (a gettext lookup).

The cost per click on the interaction path, with translation against English only, is
``python -m benchmarks.interactions --locale pt-BR`` against its default (``en-US``).
"""

from __future__ import annotations

import gc
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.content.loader import load_catalog
from bot.content.translations import load_translations
from bot.i18n import N_, SUPPORTED, _, render
from bot.i18n.locales import TRANSLATED
from bot.i18n.text import catalogue

ROOT = Path(__file__).resolve().parents[1]
RUNS = 100_000


def _one(locale: str) -> None:
    """In a fresh process: what ``locale`` keeps in memory once loaded, after English and the libraries."""
    data = ROOT / "data"
    english = load_catalog(data)
    catalogue("en")
    with tempfile.TemporaryDirectory() as tmp:
        alone = Path(tmp) / "data"  # the English content with only this language's translation beside it
        (alone / "translations").mkdir(parents=True)
        for item in data.iterdir():
            if item.name != "translations":
                (alone / item.name).symlink_to(item)
        (alone / "translations" / locale).symlink_to(data / "translations" / locale)
        load_translations(alone, english)  # warm: imports and caches that are not the language's
        gc.collect()
        tracemalloc.start()
        catalogs = load_translations(alone, english)
        gc.collect()
        content, _peak = tracemalloc.get_traced_memory()
        translations = catalogue(locale)
        gc.collect()
        both, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert catalogs[locale] is not english and translations is not None
    print(f"{locale:6} content {content / 1024:.0f} KiB, messages {(both - content) / 1024:.0f} KiB")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        _one(sys.argv[2])
        return
    for locale in TRANSLATED:
        subprocess.run([sys.executable, "-m", "benchmarks.languages", "--one", locale], check=True, cwd=ROOT)
    before = _rss_mib()
    english = load_catalog(ROOT / "data")
    catalogue("en")
    english_only = _rss_mib()
    catalogs = load_translations(ROOT / "data", english)
    for locale in SUPPORTED:
        catalogue(locale)
    gc.collect()
    every = _rss_mib()
    print(
        f"resident (max): {english_only:.1f} MiB with English (+{english_only - before:.1f} for its content), "
        f"{every:.1f} MiB with all five (+{every - english_only:.1f} MiB for four languages)"
    )
    del catalogs

    message = _(
        "{who} {n}",
        who=_("Question {number}/{total}", number=3, total=10),
        n=N_("{n} day", "{n} days", n=12),
    )
    for locale in SUPPORTED:
        render(message, locale)  # warm: the catalogue is read once
        start_time = time.perf_counter()
        for _i in range(RUNS):
            render(message, locale)
        per = (time.perf_counter() - start_time) / RUNS * 1e6
        print(f"render a nested plural message, {locale:6}: {per:.2f} µs")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
