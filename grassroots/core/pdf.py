"""Printable A4 (and receipt-width) PDFs with a Chinese font embedded.

The font is Noto Sans SC from the PyPI package pylopdf-fonts-zh-cn (SIL OFL): fpdf2 embeds only the
glyphs a document uses, so a one-page statement is a few kilobytes and prints the same on any
machine, with or without Chinese fonts installed. The same file is served to browsers as the
fallback web font for printing (``font_path``), so a page printed from a phone embeds it too.
"""

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import pylopdf_fonts_zh_cn
from django.http import HttpResponse
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT = "NotoSansSC"


@lru_cache(maxsize=1)
def font_path() -> Path:
    return Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"


class Document(FPDF):
    """An A4 portrait page (or ``format=(58, 200)`` for a thermal receipt) with the CJK font set.

    ``title`` repeats at the top of every page and the page number at the bottom.
    """

    def __init__(self, title: str = "", *, format="A4", orientation: str = "P", margin: float = 12):
        super().__init__(orientation=orientation, unit="mm", format=format)
        self.title_text = title
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(True, margin=margin + 4)
        self.add_font(FONT, fname=str(font_path()))
        self.set_font(FONT, size=10)
        self.set_title(title)
        self.set_creator("连心 · 基层治理平台")

    def header(self):
        if self.title_text and self.w > 100:
            self.set_font(FONT, size=14)
            self.cell(0, 9, self.title_text, new_x="LMARGIN", new_y="NEXT", align="C")
            self.set_font(FONT, size=10)

    def footer(self):
        if self.w > 100:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
            self.set_font(FONT, size=10)

    def table_rows(self, headings: list[str], rows: list[list], widths: list[float], *, line_height: float = 7):
        """A simple ruled table whose heading row repeats on each new page."""
        # One weight of the font is embedded; headings are set apart by a grey fill, not bold.
        with self.table(col_widths=widths, line_height=line_height, text_align="CENTER",
                        headings_style=FontFace(emphasis="", fill_color=(230, 230, 230)),
                        repeat_headings=1, first_row_as_headings=True) as table:
            table.row([str(h) for h in headings])
            for values in rows:
                table.row(["" if v is None else str(v) for v in values])


def pdf_response(document: FPDF, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(bytes(document.output()), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
