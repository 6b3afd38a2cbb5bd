"""A branch's evidence photo as an answer, from private storage: the page (views.evidence_photo) and the API
(api.evidence_photo) serve it alike, after each has checked that the caller sees the branch."""

import mimetypes

from django.http import FileResponse, Http404

from grassroots.party.models import ModelBranchEvidence


def evidence_photo_response(evidence: ModelBranchEvidence) -> FileResponse:
    """The photo inline when it is an image (never SVG), as a download otherwise; 404 when there is none."""
    if not evidence.photo:
        raise Http404("没有照片")
    try:
        handle = evidence.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在") from exc
    content_type = mimetypes.guess_type(evidence.photo.name)[0] or ""
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        return FileResponse(handle, as_attachment=True, content_type="application/octet-stream")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
