"""The downloads of settlement, built once for the pages and the API: a settlement's workbook, the annual
summary as a workbook and a printable PDF, the year's honour certificates (one a page)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

from grassroots.areas.models import Area
from grassroots.core.excel import Sheet, xlsx_response
from grassroots.core.pdf import Document, pdf_response
from grassroots.rules.settlement import competition_ranks
from grassroots.settlement import selectors
from grassroots.settlement.models import Settlement, SettlementStatus

LINE_HEADERS = ["户号", "户主", "本季度积分", "否决项目", "可兑换", "可兑换积分", "折合金额（元）"]


def _head_name(line) -> str:
    return line.head.name if getattr(line, "head", None) else "—"


def settlement_workbook(found: Settlement) -> HttpResponse:
    """The settlement's lines as the page's 导出 gives them."""
    rows = ([line.household.number, _head_name(line), line.points, "有" if line.vetoed else "",
             "是" if line.eligible else "否", line.credit, Decimal(line.fen) / 100]
            for line in selectors.settlement_lines(found))
    name = (f"季度评议_{found.village.name}_{found.year}年第{found.quarter}季度_第{found.revision}版"
            f"{'' if found.status != SettlementStatus.DRAFT else '_待公布'}.xlsx")
    return xlsx_response(name, LINE_HEADERS, rows, title=f"{found.year}年第{found.quarter}季度")


def annual(village: Area, year: int) -> dict:
    """The annual summary's rows, the priority list (ranked) and the honoured households."""
    rows = selectors.annual_summary(village, year)
    township_ties = defaultdict(int)
    for row in rows:
        township_ties[row.township_rank] += 1
    for row in rows:
        # Rows of this village that share a township rank share it there too; another village's
        # household on the same score is not known here, so only these ties are said.
        row.township_tied = township_ties[row.township_rank] > 1
    priority = selectors.recommendations(rows)
    ranks = competition_ranks([row.score for row in priority])
    counts = defaultdict(int)
    for rank in ranks:
        counts[rank] += 1
    for row, rank in zip(priority, ranks, strict=True):
        row.priority_rank, row.priority_tied = rank, counts[rank] > 1
    return {"rows": rows, "priority": priority, "honoured": [r for r in rows if r.honours or r.stars]}


def _honour_text(row) -> str:
    return "、".join(row.honours)

ANNUAL_HEADERS = ["村内排名", "户号", "户主", "年度积分", "否决项目", "全镇排名", "星级文明户", "荣誉", "信用等级"]


def _annual_cells(row) -> list:
    return [f"{row.village_rank}{'（并列）' if row.tied else ''}", row.household.number,
            row.head.name if row.head else "—", row.score, "有" if row.vetoed else "",
            f"{row.township_rank}{'（并列）' if row.township_tied else ''}",
            f"{row.stars}星" if row.stars else "", _honour_text(row), row.credit_band]


def annual_workbook(village: Area, year: int) -> HttpResponse:
    summary = annual(village, year)
    priority = Sheet("同等条件下优先推荐", ["顺序", "户号", "户主", "年度积分"],
                     [[f"{r.priority_rank}{'（并列）' if r.priority_tied else ''}", r.household.number,
                       r.head.name if r.head else "—", r.score] for r in summary["priority"]])
    return xlsx_response(f"年度积分总结_{village.name}_{year}年.xlsx", ANNUAL_HEADERS,
                         (_annual_cells(r) for r in summary["rows"]), title=f"{year}年度总结", more=[priority])


def fit_columns(doc: Document, rows: list[list], widths: list[float], keep: set[int]) -> list[float]:
    """Column widths (mm) at which every cell of the ``keep`` columns stands on one line at the document's
    font size, so that a rank such as "10（并列）" is never broken between 并 and 列: those columns grow to
    their longest text and the other columns give up the room in proportion to their widths (the table's
    width stays the same)."""
    padding = 2 * doc.c_margin + 0.6  # fpdf2's cell padding either side, and room for rounding
    need = {i: max(doc.get_string_width(str(row[i])) for row in rows) + padding for i in keep}
    grow = {i: max(0.0, need[i] - widths[i]) for i in keep}
    extra = sum(grow.values())
    if not extra:
        return list(widths)
    flexible = sum(w for i, w in enumerate(widths) if i not in keep)
    return [w + grow[i] if i in keep else w - extra * w / flexible for i, w in enumerate(widths)]


def annual_document(village: Area, year: int) -> HttpResponse:
    summary = annual(village, year)
    doc = Document(f"{village.name} {year}年度积分总结")
    doc.add_page()
    doc.set_font_size(9)
    doc.cell(0, 6, f"打印日期：{timezone.localdate():%Y年%m月%d日}　共{len(summary['rows'])}户　排名相同为并列",
             new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    rows = [_annual_cells(r) for r in summary["rows"]]
    doc.table_rows(ANNUAL_HEADERS, rows, line_height=6, widths=fit_columns(
        doc, [ANNUAL_HEADERS, *rows], [18, 22, 24, 18, 18, 18, 20, 30, 18], keep={0, 1, 3, 5}))
    doc.ln(4)
    doc.set_font_size(12)
    doc.cell(0, 8, "同等条件下优先推荐（两委人选、后备干部、征兵、入党积极分子）", new_x="LMARGIN", new_y="NEXT")
    doc.set_font_size(9)
    doc.cell(0, 6, "无否决项目的户按年度积分排序，积分相同为并列。", new_x="LMARGIN", new_y="NEXT")
    headings = ["顺序", "户号", "户主", "年度积分"]
    rows = [[f"{r.priority_rank}{'（并列）' if r.priority_tied else ''}", r.household.number,
             r.head.name if r.head else "—", r.score] for r in summary["priority"]]
    doc.table_rows(headings, rows, line_height=6,
                   widths=fit_columns(doc, [headings, *rows], [30, 50, 56, 50], keep={0, 1}))
    return pdf_response(doc, f"年度积分总结_{village.name}_{year}年.pdf")


class _Certificates(Document):
    """One certificate a page: no running title or page number on a certificate."""

    def header(self):
        pass

    def footer(self):
        pass


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def certificates(village: Area, year: int) -> HttpResponse | None:
    """One certificate a page for each honoured household; None when the year honoured none."""
    honoured = annual(village, year)["honoured"]
    if not honoured:
        return None
    doc = _Certificates(orientation="L", margin=20)
    doc.set_title(f"{village.name}{year}年度荣誉证书")
    issued = _chinese_date(timezone.localdate())
    committee = "居民委员会" if village.name.endswith("社区") else "村民委员会"
    for row in honoured:
        titles = list(row.honours) + ([f"{row.stars}星级文明户"] if row.stars else [])
        doc.add_page()
        doc.set_draw_color(176, 32, 32)
        doc.set_line_width(1.2)
        doc.rect(10, 10, doc.w - 20, doc.h - 20)
        doc.set_y(34)
        doc.set_font_size(36)
        doc.set_text_color(176, 32, 32)
        doc.cell(0, 18, "荣 誉 证 书", align="C", new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0, 0, 0)
        doc.ln(10)
        doc.set_font_size(20)
        doc.cell(0, 12, f"{row.head.name if row.head else row.household.number} 家庭：", new_x="LMARGIN",
                 new_y="NEXT")
        doc.ln(4)
        doc.set_font_size(16)
        doc.multi_cell(0, 10, f"　　在{village.name}{year}年度积分制评比中表现突出，被评为", new_x="LMARGIN",
                       new_y="NEXT")
        doc.ln(4)
        doc.set_font_size(28)
        doc.cell(0, 16, "、".join(titles), align="C", new_x="LMARGIN", new_y="NEXT")
        doc.ln(4)
        doc.set_font_size(16)
        doc.cell(0, 10, "特发此证，以资鼓励。", align="C", new_x="LMARGIN", new_y="NEXT")
        doc.set_y(doc.h - 62)
        doc.set_font_size(16)
        doc.cell(0, 10, f"{village.name}党组织　{village.name}{committee}", align="R", new_x="LMARGIN", new_y="NEXT")
        doc.cell(0, 10, issued, align="R", new_x="LMARGIN", new_y="NEXT")
    return pdf_response(doc, f"荣誉证书_{village.name}_{year}年.pdf")
