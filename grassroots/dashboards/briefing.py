"""工作简报: the A4 PDF of a banner's or township's month, drawn with fpdf2 (``core/pdf.py``) from
``selectors.briefing``: each section's figures for the month beside last month's, the children compared on each
section's main figure as bars (fpdf2 rectangles), and the sections' lists that need action (their tables, which the
dashboard exports to Excel)."""

from django.utils import timezone

from grassroots.core.pdf import Document
from grassroots.dashboards.selectors import Briefing
from grassroots.rules.charts import bar_lengths

BAR_COLOUR = (47, 94, 168)
NAME_WIDTH = 42  # mm: a child's name before its bar
VALUE_WIDTH = 26  # mm: the figure after the bar
BAR_HEIGHT = 5.2
ROW_HEIGHT = 7


def _heading(doc: Document, text: str, size: int = 12):
    doc.ln(2)
    doc.set_font_size(size)
    doc.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_font_size(10)


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _bars(doc: Document, title: str, bars: list[tuple[str, float]]):
    """A horizontal bar per child, in proportion to the largest figure, with the figure after it."""
    needed = 10 + ROW_HEIGHT * len(bars)
    if doc.get_y() + min(needed, 60) > doc.page_break_trigger:
        doc.add_page()
    _heading(doc, title, size=11)
    full = doc.epw - NAME_WIDTH - VALUE_WIDTH - 2
    lengths = bar_lengths([value for _, value in bars], full)
    doc.set_fill_color(*BAR_COLOUR)
    doc.set_font_size(9)
    for (name, value), length in zip(bars, lengths, strict=True):
        if doc.get_y() + ROW_HEIGHT > doc.page_break_trigger:
            doc.add_page()
        y = doc.get_y()
        doc.set_x(doc.l_margin)
        doc.cell(NAME_WIDTH, ROW_HEIGHT, name[:14], align="R")
        if length > 0:
            doc.rect(doc.l_margin + NAME_WIDTH + 1, y + (ROW_HEIGHT - BAR_HEIGHT) / 2, length, BAR_HEIGHT, style="F")
        doc.set_xy(doc.l_margin + NAME_WIDTH + 2 + length, y)
        doc.cell(VALUE_WIDTH, ROW_HEIGHT, _number(value))
        doc.set_xy(doc.l_margin, y + ROW_HEIGHT)
    doc.set_font_size(10)


def briefing_pdf(brief: Briefing) -> Document:
    board = brief.board
    area, period = board.area, board.period
    first = period.start
    doc = Document(f"{area.name}{first.year}年{first.month}月工作简报")
    doc.add_page()
    doc.set_font_size(9)
    doc.cell(0, 6, f"统计期：{first.year}年{first.month}月{period.start.day}日—{period.end.month}月{period.end.day}日"
                   f"　数据{board.freshness}　打印日期：{timezone.localdate():%Y年%m月%d日}",
             new_x="LMARGIN", new_y="NEXT")
    doc.set_font_size(10)
    if not board.sections:
        doc.cell(0, 8, "您在这个区域没有可以查看的统计。", new_x="LMARGIN", new_y="NEXT")
    for s in board.sections:
        if not s.tiles and not s.tables:
            continue  # a section whose app has nothing to count yet
        _heading(doc, s.section.label)
        rows = [[line.tile.label + (f"（{line.tile.unit}）" if line.tile.unit else ""), line.now, line.before,
                 line.change or "—"] for line in brief.lines[s.section.key]]
        if rows:
            doc.table_rows(["指标", "本月", "上月", "较上月"], rows, widths=[70, 40, 40, 36], line_height=7)
        for table in s.tables:  # the lists that need action (each also exports from the dashboard)
            _heading(doc, table.title, size=11)
            if table.rows:
                width = doc.epw / max(1, len(table.headers))
                doc.table_rows(table.headers, table.rows, widths=[width] * len(table.headers), line_height=6)
            else:
                doc.cell(0, 7, "暂无", new_x="LMARGIN", new_y="NEXT")
    if brief.bars:
        doc.add_page()
        _heading(doc, "下级区域比较", size=13)
        for tile, bars in brief.bars:
            unit = {"hours": "小时", "yuan": "元"}.get(tile.scale, tile.unit)
            _bars(doc, f"{tile.label}" + (f"（{unit}）" if unit else ""), bars)
    return doc
