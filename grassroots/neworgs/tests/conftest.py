import pytest


@pytest.fixture
def census(region, party_world, system_actor):
    """The small census of neworgs/testing.py over party_world."""
    from grassroots.neworgs.testing import build_census

    return build_census(actor=system_actor, region=region, world=party_world)
