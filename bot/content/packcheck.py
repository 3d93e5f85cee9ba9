"""``heartstopper-bot check-pack FILE...``: the start-up validation of trivia packs, for authors.

Start-up already rejects what YAML and authors get wrong (booleans from ``yes``/``off``,
numbers from ``007``, a right answer among the wrong ones, labels over Discord's 80-character
button limit, duplicate prompts, missing source or season). This runs the same checks on any
file, so a pack can be fixed before it ships.
"""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import load_pack


def check_packs(paths: list[Path]) -> tuple[list[str], int]:
    """Problems across all files (``FILE:LINE: ...``) and the number of questions that passed."""
    problems: list[str] = []
    questions = 0
    for path in paths:
        pack, errs = load_pack(path, str(path))
        problems += errs
        if pack is not None and not errs:
            questions += len(pack.questions)
    return problems, questions
