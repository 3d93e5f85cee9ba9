"""A local Discord stand-in (REST + gateway on 127.0.0.1) that the real bot connects to."""

from tests.fakediscord.server import FakeDiscord, Recorded

__all__ = ["FakeDiscord", "Recorded"]
