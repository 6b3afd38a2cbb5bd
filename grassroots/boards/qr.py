"""QR codes for the boards (inline SVG)."""

import re

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def qr_svg(data: str, *, label: str = "二维码", size_px: int = 180) -> SafeString:
    """``data`` as a QR code: an <svg> element to put straight into a page (scales with CSS).

    Error correction M and the standard four-module quiet zone, so a phone reads it off a printed board.
    """
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    svg = svg.replace(' id="qr-path"', "")
    svg = _SIZE.sub("", svg, count=2)
    attrs = (f'<svg class="qr" width="{size_px}" height="{size_px}" role="img" aria-label="{escape(label)}" '
             'shape-rendering="crispEdges" style="background:#fff"')
    # The markup is generated here from the module matrix; ``data`` appears nowhere in it.
    return mark_safe(svg.replace("<svg", attrs, 1))  # noqa: S308
