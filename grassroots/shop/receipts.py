"""Printable love supermarket papers: the redemption receipt (58 mm thermal roll and A4), the A4 sheet of
household QR cards, and the exchange-day report. All built on core.pdf.Document (Chinese font embedded).

Receipts and cards leave the office in villagers' pockets, so they carry the masked name of the household
head (张*明) and the household number, never the full name, a phone or an ID number. A card's QR code
carries only its opaque token (inside the counter URL), so a found card tells nothing about the household.
"""

import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
from django.utils import timezone

from grassroots.core.pdf import FONT, Document
from grassroots.rules.masking import mask_name
from grassroots.rules.settlement import yuan_text

RECEIPT_WIDTH_MM = 58
_THERMAL_MARGIN = 3


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def receipt_document(redemption, lines, *, head_name: str, balance_after: int, paper: str = "58") -> Document:
    """The receipt of one redemption. ``lines`` are its RedemptionLine rows (with .product);
    ``balance_after`` the household's redeemable balance just after it (``selectors.balance_after``)."""
    title = f"{redemption.shop.name} 兑换小票"
    facts = [("小票号", redemption.number), ("时间", _when(redemption.created_at)),
             ("户号", redemption.household.number), ("户主", mask_name(head_name)),
             ("收银员", _person(redemption.cashier))]
    if redemption.voided_at:
        facts.append(("状态", f"已作废（{_when(redemption.voided_at)}：{redemption.void_reason}）"))
    totals = f"合计 {redemption.points} 积分（折合{yuan_text(redemption.fen)}）"
    balance = f"兑换后余额 {balance_after} 积分"
    if paper == "a4":
        return _a4_receipt(title, facts, lines, totals, balance)
    return _thermal_receipt(title, facts, lines, totals, balance)


def _person(user) -> str:
    if user is None:
        return ""
    return getattr(user, "display_name", "") or user.get_username()


SIGNATURES = ("领取人签字", "收银员签字")


def _thermal_receipt(title, facts, lines, totals, balance) -> Document:
    # Roll paper has no fixed length: make the page as long as the content needs (signatures: 2 × 10 mm).
    height = 58 + 6 * len(facts) + 10 * len(lines)
    doc = Document(title, format=(RECEIPT_WIDTH_MM, height), margin=_THERMAL_MARGIN)
    doc.set_auto_page_break(True, margin=_THERMAL_MARGIN)
    doc.add_page()
    width = doc.epw
    doc.set_font(FONT, size=10)
    doc.multi_cell(width, 5, title, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, size=8)
    doc.ln(1)
    for label, value in facts:
        doc.multi_cell(width, 4.2, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")
    _rule(doc)
    for line in lines:
        doc.multi_cell(width, 4.2, line.product.name, new_x="LMARGIN", new_y="NEXT")
        doc.cell(width / 2, 4.2, f"  {line.quantity} {line.product.unit} × {line.points // line.quantity}分")
        doc.cell(width / 2, 4.2, f"{line.points}分", align="R", new_x="LMARGIN", new_y="NEXT")
    _rule(doc)
    doc.set_font(FONT, size=9)
    doc.multi_cell(width, 5, totals, new_x="LMARGIN", new_y="NEXT")
    doc.multi_cell(width, 5, balance, new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, size=8)
    for label in SIGNATURES:
        doc.ln(5)
        text = f"{label}："
        doc.cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
        y = doc.get_y()  # the line to sign on runs from the end of the label to the edge, under the row
        doc.line(doc.l_margin + doc.get_string_width(text) + 1, y, doc.w - doc.r_margin, y)
    doc.ln(3)
    doc.set_font(FONT, size=7)
    doc.multi_cell(width, 4, "积分兑换 · 不找零 · 请妥善保管", align="C", new_x="LMARGIN", new_y="NEXT")
    return doc


def _rule(doc) -> None:
    doc.ln(1)
    y = doc.get_y()
    doc.line(doc.l_margin, y, doc.w - doc.r_margin, y)
    doc.ln(1.5)


def _a4_receipt(title, facts, lines, totals, balance) -> Document:
    doc = Document(title)
    doc.alias_nb_pages()
    doc.add_page()
    for label, value in facts:
        doc.cell(28, 7, f"{label}：")
        doc.cell(0, 7, str(value), new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    rows = [[line.product.name, f"{line.quantity} {line.product.unit}", f"{line.points // line.quantity}",
             f"{line.points}", yuan_text(line.price_fen * line.quantity)] for line in lines]
    doc.table_rows(["商品", "数量", "单价（积分）", "积分", "价值"], rows, [70, 25, 30, 25, 36])
    doc.ln(4)
    doc.set_font(FONT, size=12)
    doc.cell(0, 8, totals, new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 8, balance, new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, size=10)
    doc.ln(12)
    y = doc.get_y() + 8
    left, right = f"{SIGNATURES[0]}：", f"{SIGNATURES[1]}："
    doc.cell(90, 8, left)
    doc.cell(0, 8, right, new_x="LMARGIN", new_y="NEXT")
    doc.line(doc.l_margin + doc.get_string_width(left) + 1, y, doc.l_margin + 84, y)
    doc.line(doc.l_margin + 90 + doc.get_string_width(right) + 1, y, doc.w - doc.r_margin, y)
    return doc


# ---------------------------------------------------------------- household QR cards


@dataclass(frozen=True)
class CardFace:
    number: str  # household number
    head_name: str  # full name: masked here, never printed in full
    qr_data: str  # the counter URL with the card token, nothing else


CARD_W, CARD_H = 88, 48  # two columns, five rows on A4, clear of the page footer
COLUMNS, ROWS = 2, 5
_GAP = 4


def qr_png(data: str) -> io.BytesIO:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    buffer.seek(0)
    return buffer


def card_sheet(title: str, village_name: str, faces: list[CardFace]) -> Document:
    """Cut-out cards, ten to an A4 page: masked head name, household number, QR with the card token."""
    doc = Document(title)
    doc.alias_nb_pages()
    doc.set_auto_page_break(False)
    top = 24
    for index, face in enumerate(faces):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            doc.add_page()
        col, row = slot % COLUMNS, slot // COLUMNS
        x = doc.l_margin + col * (CARD_W + _GAP + 2)
        y = top + row * (CARD_H + _GAP)
        _card(doc, x, y, village_name, face)
    if not faces:
        doc.add_page()
        doc.cell(0, 10, "本网格没有有效的积分卡", new_x="LMARGIN", new_y="NEXT")
    return doc


def _card(doc, x, y, village_name, face: CardFace) -> None:
    doc.set_draw_color(160, 160, 160)
    doc.set_line_width(0.2)
    doc.rect(x, y, CARD_W, CARD_H, round_corners=True)
    qr_size = CARD_H - 8
    doc.image(qr_png(face.qr_data), x=x + CARD_W - qr_size - 3, y=y + 4, w=qr_size, h=qr_size)
    text_w = CARD_W - qr_size - 8
    doc.set_xy(x + 4, y + 5)
    doc.set_font(FONT, size=11)
    doc.cell(text_w, 6, "爱心超市积分卡")
    doc.set_xy(x + 4, y + 12)
    doc.set_font(FONT, size=8)
    doc.multi_cell(text_w, 4, village_name)
    doc.set_xy(x + 4, y + 24)
    doc.set_font(FONT, size=14)
    doc.cell(text_w, 8, mask_name(face.head_name))
    doc.set_xy(x + 4, y + 33)
    doc.set_font(FONT, size=11)
    doc.cell(text_w, 6, face.number)
    doc.set_xy(x + 4, y + CARD_H - 8)
    doc.set_font(FONT, size=6.5)
    doc.cell(text_w, 4, "兑换时出示 · 遗失请到村委会补办")
    doc.set_font(FONT, size=10)


# ---------------------------------------------------------------- exchange day


def exchange_day_document(shop_name: str, period: str, summary: dict, sections: list[tuple]) -> Document:
    """The exchange-day report on A4: the summary line, then one table per section
    (``(heading, column titles, widths, rows)``)."""
    doc = Document(f"{shop_name} 兑换会情况")
    doc.alias_nb_pages()
    doc.add_page()
    doc.cell(0, 7, period, new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 7, f"兑换户数 {summary['households']} 户 · 兑换 {summary['redemptions']} 笔 · "
                   f"消耗积分 {summary['points']} 分（折合{summary['yuan']}） · 收到捐赠 {summary['donations']} 笔",
             new_x="LMARGIN", new_y="NEXT")
    for heading, titles, widths, rows in sections:
        doc.ln(3)
        doc.set_font(FONT, size=12)
        doc.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        doc.set_font(FONT, size=10)
        if rows:
            doc.table_rows(titles, rows, widths)
        else:
            doc.cell(0, 7, "无", new_x="LMARGIN", new_y="NEXT")
    return doc
