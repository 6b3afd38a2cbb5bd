"""Fixtures of the party app's tests: a secretary of 乌丹镇's 党委 and one of 广德公镇's (roles held on organisations),
so a moved subtree can be seen to change hands; photos land in a temporary private folder."""

import pytest

from grassroots.core.testing import PASSWORD, client_for


def _organisation_secretary(username, organisation, system_actor):
    from grassroots.access import services

    return services.create_account(actor=system_actor, username=username, password=PASSWORD, display_name=username,
                                   roles=[("organisation_secretary", organisation)])


@pytest.fixture
def wudan_secretary(party_world, system_actor):
    return _organisation_secretary("wudansecretary", party_world.wudan, system_actor)


@pytest.fixture
def guangde_secretary(party_world, system_actor):
    return _organisation_secretary("guangdesecretary", party_world.guangde, system_actor)


@pytest.fixture
def as_wudan_secretary(wudan_secretary):
    return client_for(wudan_secretary)


@pytest.fixture
def as_guangde_secretary(guangde_secretary):
    return client_for(guangde_secretary)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
