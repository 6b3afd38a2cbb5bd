import io

from pypdf import PdfReader

from grassroots.core.pdf import Document
from grassroots.core.tests.pdftext import pdf_text


def test_chinese_text_is_embedded_and_extractable():
    doc = Document("赛沁塔拉嘎查积分月报")
    doc.add_page()
    doc.table_rows(["户号", "户主", "本月积分"], [["SQ-0001", "乌*毕力格", 20]], [40, 60, 40])
    data = bytes(doc.output())
    text = pdf_text(data)
    assert "赛沁塔拉嘎查积分月报" in text and "乌*毕力格" in text and "第1页/共1页" in text
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    descriptor = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert any(k.startswith("/FontFile") for k in descriptor.get_object())  # embedded, not referenced
