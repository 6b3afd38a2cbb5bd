"""What the development tests share: walking a person up the pipeline through the services, and register files."""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from grassroots.development import services
from grassroots.development.models import Development
from grassroots.development.services import IMPORT_COLUMNS

BODIES = {"activist": "支部委员会", "candidate": "支部委员会", "probationary": "中共乌丹镇委员会（审批）",
          "full": "支部党员大会"}


def develop(*, actor, organisation, name: str, applied_on: date, steps: dict | None = None, person=None,
            birth_date: date = date(1996, 5, 4), gender: str = "M") -> Development:
    """Register an applicant and record ``steps`` (stage → day) in order, each decided by a named body."""
    development = services.register_applicant(actor=actor, organisation=organisation, applied_on=applied_on,
                                              person=person, name=name, gender=gender, birth_date=birth_date)
    for stage, day in (steps or {}).items():
        services.advance(actor=actor, development=development, stage=stage, decided_on=day,
                         decided_by=BODIES[stage])
    return Development.objects.get(pk=development.pk)


def xlsx(rows, headers=None) -> SimpleUploadedFile:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("发展党员")
    ws.append(list(headers or [c.header for c in IMPORT_COLUMNS]))
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("发展党员.xlsx", buffer.getvalue(), content_type="application/octet-stream")
