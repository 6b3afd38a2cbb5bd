"""The text of a PDF as a reader would copy it, for tests that check what a printout says."""

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    # pypdf decodes fpdf2's two-byte CID strings with a NUL before each character; a viewer does not.
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "").replace(" ", "")
