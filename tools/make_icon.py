"""Draw the app icon (resources/icons/app.png, .ico, .icns): two domains joined by a cycle of arrows.

Drawn with QPainter so the icon is reproducible from source and needs no design tool:
    .venv/bin/python tools/make_icon.py
"""

from __future__ import annotations

import math
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (QBrush, QColor, QFont, QGuiApplication, QImage, QLinearGradient, QPainter,  # noqa: E402
                           QPen, QPolygonF)

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.png"


def arrow_head(p: QPainter, tip: QPointF, angle: float, size: float) -> None:
    left = QPointF(tip.x() - size * math.cos(angle - 0.45), tip.y() - size * math.sin(angle - 0.45))
    right = QPointF(tip.x() - size * math.cos(angle + 0.45), tip.y() - size * math.sin(angle + 0.45))
    p.drawPolygon(QPolygonF([tip, left, right]))


def draw(size: int = 256) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    grad = QLinearGradient(0, 0, size, size)
    grad.setColorAt(0, QColor("#2a6f97"))
    grad.setColorAt(1, QColor("#6a4c93"))
    p.setBrush(QBrush(grad))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 48 * s, 48 * s)

    # the cycle: two arcs, A -> B on top, B -> A below
    pen = QPen(QColor("#ffffff"), 14 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    ring = QRectF(52 * s, 52 * s, 152 * s, 152 * s)
    p.drawArc(ring, 160 * 16, -120 * 16)
    p.drawArc(ring, -20 * 16, -120 * 16)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffffff"))
    c, r = 128 * s, 76 * s
    for end_deg in (40, -140):  # where each arc ends; the heads point on, clockwise
        a = math.radians(end_deg - 12)
        tip = QPointF(c + r * math.cos(a), c - r * math.sin(a))
        travel = math.atan2(math.cos(a), math.sin(a))  # clockwise tangent, screen y pointing down
        arrow_head(p, tip, travel, 36 * s)

    # domain dots
    for x, colour, letter in ((60, "#ffd166", "A"), (196, "#06d6a0", "B")):
        centre = QPointF(x * s, 128 * s)
        p.setBrush(QColor(colour))
        p.drawEllipse(centre, 34 * s, 34 * s)
        p.setPen(QColor("#1b1b1b"))
        font = QFont("DejaVu Sans", int(30 * s))
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(centre.x() - 34 * s, centre.y() - 34 * s, 68 * s, 68 * s),
                   Qt.AlignmentFlag.AlignCenter, letter)
        p.setPen(Qt.PenStyle.NoPen)
    p.end()
    return img


def main() -> None:
    """app.png for Linux and Qt, app.ico for Windows and app.icns for macOS (what build.spec picks)."""
    import io

    from PIL import Image

    if QGuiApplication.instance() is None:
        main.app = QGuiApplication([])  # fonts need an application object, kept alive while drawing
    OUT.parent.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(OUT))
    Image.open(OUT).save(OUT.with_suffix(".ico"), sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    from PySide6.QtCore import QBuffer

    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    draw(1024).save(buffer, "PNG")  # drawn at full size, not upscaled, for Retina docks
    Image.open(io.BytesIO(bytes(buffer.data()))).save(OUT.with_suffix(".icns"))
    print(f"wrote {OUT} and its .ico and .icns")


if __name__ == "__main__":
    main()
