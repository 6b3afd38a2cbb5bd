"""An account that may enter the admin site is made by the account service, with the audit entry saying so
(``grassroots createadmin`` and the demo used to set ``is_staff`` on the row directly, unaudited)."""

import argparse

import pytest
from django.core.exceptions import ValidationError

from grassroots import cli
from grassroots.access import services
from grassroots.access.models import User
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.core.testing import PASSWORD


def test_createadmin_makes_a_staff_account_through_the_service(region):
    args = argparse.Namespace(username="root2", password=PASSWORD, name="系统管理员", mobile="",
                              area=region["翁牛特旗"].code)
    cli.cmd_createadmin(args)
    user = User.objects.get(username="root2")
    assert user.is_staff and not user.is_superuser
    assert user.assignments.get().role == "system_admin"
    entry = AuditEntry.objects.get(action=services.ACCOUNT_CREATE, object_id=str(user.pk))
    assert entry.actor_name == "cli:createadmin" and entry.data["is_staff"] is True


def test_only_a_command_makes_a_staff_account(region, secretary):
    person = Actor(user=secretary, name=secretary.username, ip="127.0.0.1")
    with pytest.raises(ValidationError, match="只能在命令行创建可进入管理后台的账号"):
        services.create_account(actor=person, username="sneaky", password=PASSWORD, is_staff=True,
                                roles=[("grid_worker", region["赛沁塔拉嘎查1"])])
    assert not User.objects.filter(username="sneaky").exists()
    plain = services.create_account(actor=person, username="plain", password=PASSWORD,
                                    roles=[("grid_worker", region["赛沁塔拉嘎查1"])])
    assert not plain.is_staff
    assert "is_staff" not in AuditEntry.objects.get(action=services.ACCOUNT_CREATE, object_id=str(plain.pk)).data
