"""The stand-in reads a file upload as Discord does: the ``payload_json`` as the body, the files beside it."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.localdiscord.middleware import parse_multipart


def _body(payload: dict[str, object]) -> tuple[bytes, str]:
    """The body discord.py's aiohttp writes for one file."""
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload))
    form.add_field("files[0]", b'{"x": 1}\r\n', filename="a.json", content_type="application/octet-stream")
    writer = form()

    class Sink:
        data = b""

        async def write(self, chunk: bytes) -> None:
            self.data += chunk

    sink = Sink()
    asyncio.run(writer.write(sink))  # type: ignore[arg-type]
    return sink.data, writer.content_type


def test_a_message_with_a_file_is_its_payload_and_the_file() -> None:
    raw, content_type = _body({"content": "hi", "attachments": [{"id": 0, "filename": "a.json"}]})
    payload, files = parse_multipart(raw, content_type)
    assert payload == {"content": "hi", "attachments": [{"id": "0", "filename": "a.json"}]}
    assert files == [("files[0]", "a.json", b'{"x": 1}\r\n')]


def test_an_interaction_answer_with_a_file_has_its_placeholder_id_as_text() -> None:
    """discord.py numbers the placeholder with an integer, which Discord accepts; the OpenAPI description
    types it as a snowflake string, so the record holds it as text for the request checks."""
    raw, content_type = _body({"type": 4, "data": {"content": "hi", "attachments": [{"id": 0, "filename": "a.json"}]}})
    payload, _files = parse_multipart(raw, content_type)
    assert payload["data"]["attachments"] == [{"id": "0", "filename": "a.json"}]
