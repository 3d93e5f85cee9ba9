"""Playground fixtures (``browser.py``): a browser and a playground per test, or one playground for HTTP."""

from tests.playground.browser import driver, page, playground, served

__all__ = ["driver", "page", "playground", "served"]
