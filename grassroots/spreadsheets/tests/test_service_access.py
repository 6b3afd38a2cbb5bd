"""Import and export refuse in the service too, not only on the page: an outsider gets 404, a member who may
only look gets 403, and nothing is recorded for them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.spreadsheets import services
from grassroots.spreadsheets.models import ImportJob


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


@pytest.mark.parametrize(("who", "error"), [("outsider", Http404), ("reader", PermissionDenied)])
def test_import_and_export(request, who, error, region):
    user = request.getfixturevalue(who)
    village = region["赛沁塔拉嘎查"]
    with pytest.raises(error):
        services.submit_import(actor=actor(user), user=user, village=village,
                               upload=SimpleUploadedFile("居民.xlsx", b"not read"))
    with pytest.raises(error):
        services.record_export(actor=actor(user), area=village, households=1, people=2)
    assert not ImportJob.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["import.submit", "residents.export"]).exists()


def test_the_secretary_exports(region, secretary):
    services.record_export(actor=actor(secretary), area=region["赛沁塔拉嘎查"], households=1, people=2)
    assert AuditEntry.objects.get(action="residents.export").data["people"] == 2
