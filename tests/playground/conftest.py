"""Browser fixtures for the playground tests (see ``browser.py``)."""

from tests.playground.browser import driver, page, playground

__all__ = ["driver", "page", "playground"]
