"""Opening the admin site to an account is a service with an audit entry (``grassroots createadmin`` and the
demo call it), refused to an outsider (404) and to a member who may not manage accounts (403)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grassroots.access import services
from grassroots.access.models import User
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


def test_a_command_opens_the_admin_site_with_an_audit_entry(insider, system_actor):
    services.set_staff(actor=system_actor, user=insider)
    assert User.objects.get(pk=insider.pk).is_staff
    entry = AuditEntry.objects.get(action=services.ACCOUNT_SET_STAFF)
    assert entry.object_id == str(insider.pk) and entry.data == {"is_staff": True}
    services.set_staff(actor=system_actor, user=insider)  # already staff: nothing to record
    assert AuditEntry.objects.filter(action=services.ACCOUNT_SET_STAFF).count() == 1


def test_refused_to_an_outsider_and_to_a_reader(insider, outsider, reader, secretary):
    with pytest.raises(Http404):
        services.set_staff(actor=actor(outsider), user=insider)
    with pytest.raises(PermissionDenied):
        services.set_staff(actor=actor(reader), user=insider)
    assert not User.objects.get(pk=insider.pk).is_staff
    services.set_staff(actor=actor(secretary), user=insider)  # manages the village's accounts
    assert User.objects.get(pk=insider.pk).is_staff
