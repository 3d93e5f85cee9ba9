"""``heartstopper-bot check-pack FILE...``: the start-up validation of trivia packs, for authors.

Start-up already rejects what YAML and authors get wrong (booleans from ``yes``/``off``,
numbers from ``007``, a right answer among the wrong ones, labels over Discord's 80-character
button limit, duplicate prompts, missing source or season). This runs the same checks on any
file, then the fairness checks of ``bot.content.audit`` against the catalog (options that spoil
a later season, near-duplicates, answers given away by their length, and prompts that give away
another question's answer across every file checked, since the daily question mixes them all), and
reports each pack's balance by season, difficulty and true/false answer. A pack's translation
(``data/translations/<locale>/trivia/<pack>.yaml``) is checked against the English pack it translates:
its format, the three wrong answers in the English order, options that fit a button, and what is
still untranslated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.content.audit import audit_questions, balance, giveaways
from bot.content.loader import load_pack
from bot.content.translations import check_pack_translation, is_translation
from bot.domain.models import Catalog, TriviaQuestion


@dataclass
class PackReport:
    problems: list[str] = field(default_factory=list)
    questions: int = 0
    balance_lines: list[str] = field(default_factory=list)


def check_packs(paths: list[Path], catalog: Catalog | None = None) -> PackReport:
    """Problems across all files (``FILE:LINE: ...`` or ``FILE: id: ...``) and the balance of what passed."""
    report = PackReport()
    passed: list[TriviaQuestion] = []
    source_of: dict[str, Path] = {}
    for path in paths:
        if is_translation(path.resolve()):
            report.problems += _translation(path, catalog, report)
            continue
        pack, errs = load_pack(path, str(path))
        report.problems += errs
        if pack is None or errs:
            continue
        if catalog is not None:
            report.problems += [f"{path}: {p}" for p in audit_questions(pack.questions, catalog)]
        passed += pack.questions
        source_of.update((q.id, path) for q in pack.questions)
        report.balance_lines += [f"{path}: {pack.name} ({pack.id})", *balance(pack.questions).lines()]
    if catalog is not None:
        for problem in giveaways(passed, catalog):
            question_id = problem.split(":", 1)[0]
            report.problems.append(f"{source_of.get(question_id, 'packs')}: {problem}")
    report.questions += len(passed)
    if len(paths) > 1 and passed:
        report.balance_lines += ["all packs together", *balance(passed).lines()]
    return report


def _translation(path: Path, catalog: Catalog | None, report: PackReport) -> list[str]:
    """A translation is checked against the English pack it translates (the catalog's, of the same name)."""
    if catalog is None:
        return [f"{path}: a translation is checked against the English content, which did not load"]
    checked = check_pack_translation(path.resolve(), catalog, str(path))
    report.questions += checked.translated
    if checked.name is not None:
        report.balance_lines.append(f"{path}: {checked.name}: {checked.translated} of {checked.total} translated")
    return checked.problems
