"""Images and calls the settings tests share."""

from __future__ import annotations

import base64
import io

from PIL import Image


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, format=kind)
    return buffer.getvalue()


def logo_body(data: bytes, content_type: str = "image/png") -> dict[str, str]:
    return {"content_type": content_type, "data": base64.b64encode(data).decode()}
