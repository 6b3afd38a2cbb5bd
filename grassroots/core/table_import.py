"""An uploaded register, read whole and checked before anything is written: all rows or none.

An app's import service declares its columns (rules/tables.py), calls ``read_upload``, checks each row against
the database (appending ``RowError``s naming the row and column), and raises ``Rejected`` with every error if there
is any, before it writes; its one transaction then writes every row. The page is ``import_page`` (the upload form,
the errors with the shared partial ``templates/_import_errors.html``); the API answers 422 with them
(``errors_json``).
"""

from collections.abc import Callable, Sequence

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from grassroots.core.excel import NotXlsx, read_xlsx, xlsx_response
from grassroots.rules.tables import Column, RowError, Table, read_table

MAX_ROWS = 20_000  # a county's members fit; a region's register goes through the command line
MAX_SHOWN_ERRORS = 200


class Rejected(Exception):
    """Nothing was written; ``errors`` says why, row by row."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(f"{len(errors)} 处问题")
        self.errors = list(errors)

    @property
    def shown(self) -> list[RowError]:
        return self.errors[:MAX_SHOWN_ERRORS]


def read_upload(upload, columns: Sequence[Column], *, max_rows: int = MAX_ROWS) -> Table:
    """The rows of the first sheet of ``upload``; raises Rejected for an unreadable file or a bad header."""
    try:
        with read_xlsx(upload) as sheet:
            header = sheet.header()
            table = read_table(columns, header, sheet.rows(max_columns=max(len(header), 1)), max_rows=max_rows)
    except NotXlsx as e:
        raise Rejected([RowError(0, "", str(e))]) from None
    if not table.errors and not table.rows:
        table.errors.append(RowError(2, "", "文件中没有数据，请在表头下方逐行填写"))
    return table


def template_response(filename: str, columns: Sequence[Column], example: Sequence = ()):
    """The import template: the headers, and one example row when given."""
    return xlsx_response(filename, [c.header for c in columns], [example] if example else [])


FILE_FIELD = "file"  # the multipart field of the API's imports: a problem of the file as a whole is keyed by it


def errors_json(rejected: Rejected) -> dict:
    """The API's 422 body: ``{"detail": …, "errors": {"第N行 列": [message]}}``; a problem of the file as a whole
    (not an .xlsx, a wrong header row: row 0) under ``"file"``. ``detail`` names the first problems."""
    errors: dict[str, list[str]] = {}
    for e in rejected.shown:
        key = f"第{e.row}行 {e.column}".strip() if e.row else FILE_FIELD
        errors.setdefault(key, []).append(e.message)
    first = "；".join(f"{key}：{messages[0]}" for key, messages in list(errors.items())[:3])
    return {"detail": f"导入未进行：共 {len(rejected.errors)} 处问题，请修改后重新上传（{first}）", "errors": errors}


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", error_messages={"required": "请选择要上传的 Excel 文件（.xlsx）"},
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


def import_page(request, *, template: str, run: Callable, done: Callable, context: dict | None = None,
                label: str = ""):
    """An import page: GET shows the upload form; POST runs ``run(upload)`` (the app's import service) and, when it
    wrote, shows ``done(result)``'s (message, url) after a redirect; a rejected file (nothing written) or no file
    shows the form again, the errors listed, with status 400. ``template`` gets ``form`` and ``rejected``."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if label:
        form.fields["file"].label = label
    rejected = None
    if request.method == "POST" and form.is_valid():
        try:
            result = run(form.cleaned_data["file"])
        except Rejected as e:
            rejected = e
        else:
            message, url = done(result)
            messages.success(request, message)
            return redirect(url)
    return render(request, template, {**(context or {}), "form": form, "rejected": rejected},
                  status=400 if request.method == "POST" else 200)
