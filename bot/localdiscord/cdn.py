"""Discord's CDN for the files members attach to commands (``/trivia pack-upload``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.localdiscord.bounded import BoundedLog
from bot.localdiscord.snowflakes import Snowflakes


class Cdn:
    """Attachments by id, served at ``/attachments/{id}/{name}``; ``downloads`` lists what the bot fetched."""

    def __init__(self, ids: Snowflakes, base_url: Callable[[], str], *, max_downloads: int) -> None:
        self._ids = ids
        self._base_url = base_url
        self.attachments: dict[str, bytes] = {}  # kept for the stand-in's life: members upload a few small files
        self.downloads: BoundedLog[str] = BoundedLog(max_downloads)  # attachment ids the bot fetched

    def upload(self, file: dict[str, Any]) -> dict[str, Any]:
        """A file a member attaches to a command: ``{"filename": ..., "content": bytes}``, served like the CDN.

        ``size`` may be given to claim a size without sending that many bytes (a 10 MB upload).
        """
        attachment_id = str(self._ids.next())
        content: bytes = file["content"]
        self.attachments[attachment_id] = content
        url = f"{self._base_url()}/attachments/{attachment_id}/{file['filename']}"
        return {
            "id": attachment_id,
            "filename": file["filename"],
            "size": int(file.get("size", len(content))),
            "url": url,
            "proxy_url": url,
            "content_type": file.get("content_type", "application/x-yaml"),
            "ephemeral": True,
        }

    async def download(self, request: web.Request) -> web.Response:
        content = self.attachments.get(request.match_info["id"])
        if content is None:
            return web.Response(status=404)
        self.downloads.append(request.match_info["id"])
        return web.Response(body=content, content_type="application/octet-stream")
