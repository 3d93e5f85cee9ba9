"""Every source cited in data/ is the kind of source a fan can trust, or says why it is cited anyway.

data/sources.yaml sorts the cited websites into kinds (primary, publisher, major outlet) and lists
the pages of other sites (recap blogs, fan sites, student papers) one by one, each with the reason
it is cited. Sites that copy other outlets' articles are listed too, and never allowed: the content
audit of December 2026 found 41 questions citing copies instead of the original article.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.domain.models import SEED_SOURCE, Catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "data" / "sources.yaml"
# A reason says what the page is and why nothing better is cited; a word or two does not.
MIN_REASON_WORDS = 8


def cited(catalog: Catalog) -> dict[str, list[str]]:
    """Every source in the catalog, with where it is cited."""
    found: dict[str, list[str]] = {}

    def note(sources: Iterable[str], where: str) -> None:
        for source in sources:
            found.setdefault(source, []).append(where)

    for member in catalog.cast:
        note(member.sources, f"cast {member.id}")
    for season in catalog.seasons:
        note(season.sources, f"season {season.number}")
        for episode in season.episodes:
            note(episode.sources, episode.code)
    for special in catalog.specials:
        note(special.sources, special.id)
    for release in catalog.releases:
        note(release.sources, f"release {release.id}")
    for pack in catalog.packs:
        for question in pack.questions:
            note([question.source], question.id)
    return found


def _site(host: str, sites: Iterable[str]) -> str | None:
    """The listed site a host belongs to: itself or the nearest parent domain (uk.movies.yahoo.com → yahoo.com)."""
    host = host.removeprefix("www.")
    return next((s for s in sorted(sites, key=len, reverse=True) if host == s or host.endswith("." + s)), None)


def source_problems(sources: Mapping[str, list[str]], policy: Mapping[str, Any]) -> list[str]:
    """What is wrong with the cited sources under the policy of data/sources.yaml, one line each."""
    allowed = set(policy.get("allowed") or [])
    sites: Mapping[str, str] = policy.get("sites") or {}
    copies: Mapping[str, str] = policy.get("copies") or {}
    exceptions: dict[str, str] = {}
    problems: list[str] = []
    for entry in policy.get("exceptions") or []:
        url, reason = entry.get("url"), entry.get("reason")
        if not url:
            problems.append(f"exception {entry!r} has no url")
            continue
        if not isinstance(reason, str) or len(reason.split()) < MIN_REASON_WORDS:
            problems.append(f"exception {url} has no reason (say why this page is cited instead of a better source)")
        exceptions[url] = reason or ""
    for site, kind in sites.items():
        if kind not in allowed:
            problems.append(f"site {site} has kind {kind!r}, which is not one of {sorted(allowed)}")
    for source, where in sorted(sources.items()):
        if source == SEED_SOURCE:
            continue  # the Netflix Tudum article: primary
        parts = urlsplit(source)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{source} (cited by {', '.join(where)}) is not a web address")
            continue
        copy = _site(parts.hostname, copies)
        if copy is not None:
            problems.append(f"{source} (cited by {', '.join(where)}) is on {copy}, which {copies[copy]}")
        elif _site(parts.hostname, sites) is None and source not in exceptions:
            problems.append(
                f"{source} (cited by {', '.join(where)}) is on a site that is neither a primary source, a publisher "
                "nor a major outlet (cite a better source, or add the page to exceptions in data/sources.yaml "
                "with the reason)"
            )
    for url in exceptions:
        if url not in sources:
            problems.append(f"exception {url} is not cited anywhere in data/ (remove it)")
        elif _site(urlsplit(url).hostname or "", sites) is not None:
            problems.append(f"exception {url} is on a site that is already allowed (remove the exception)")
    return problems


@pytest.fixture(scope="module")
def policy() -> dict[str, Any]:
    data = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_cited_source_is_allowed_or_excepted_with_a_reason(catalog, policy):
    assert source_problems(cited(catalog), policy) == []


def test_the_policy_allows_only_the_three_kinds(policy):
    assert sorted(policy["allowed"]) == ["major-outlet", "primary", "publisher"]
    assert set(policy["sites"].values()) <= set(policy["allowed"])
    assert not set(policy["sites"]) & set(policy["copies"])


POLICY = {
    "allowed": ["primary", "publisher", "major-outlet"],
    "sites": {"netflix.com": "primary", "radiotimes.com": "major-outlet", "yahoo.com": "major-outlet"},
    "copies": {"truemac.vn": "copies Vulture's recaps; cite vulture.com"},
    "exceptions": [
        {"url": "https://blog.example/recap-1", "reason": "Recap blog; the only stored page that names the cafe."},
        {"url": "https://blog.example/recap-2", "reason": ""},
    ],
}


def test_a_url_on_an_unlisted_site_fails():
    problems = source_problems({"https://fanblog.example/post": ["q1"]}, {**POLICY, "exceptions": []})
    assert (
        len(problems) == 1 and "https://fanblog.example/post (cited by q1) is on a site that is neither" in problems[0]
    )


def test_an_exception_without_a_reason_fails():
    sources = {"https://blog.example/recap-1": ["q1"], "https://blog.example/recap-2": ["q2"]}
    assert source_problems(sources, POLICY) == [
        "exception https://blog.example/recap-2 has no reason (say why this page is cited instead of a better source)"
    ]


def test_a_copy_fails_even_as_an_exception():
    policy = {**POLICY, "exceptions": [{"url": "https://truemac.vn/a", "reason": "x " * MIN_REASON_WORDS}]}
    problems = source_problems({"https://truemac.vn/a": ["q1"]}, policy)
    assert any("is on truemac.vn, which copies Vulture's recaps" in p for p in problems)


def test_allowed_sites_subdomains_and_the_seed_pass():
    sources = {
        "seed": ["q1"],
        "https://www.radiotimes.com/tv/drama/x/": ["q2"],
        "https://uk.movies.yahoo.com/movies/x.html": ["q3"],
        "https://blog.example/recap-1": ["q4"],
    }
    policy = {**POLICY, "exceptions": POLICY["exceptions"][:1]}
    assert source_problems(sources, policy) == []


def test_a_stale_exception_fails():
    assert source_problems({}, {**POLICY, "exceptions": POLICY["exceptions"][:1]}) == [
        "exception https://blog.example/recap-1 is not cited anywhere in data/ (remove it)"
    ]
