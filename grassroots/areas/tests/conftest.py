import pytest

from grassroots.areas.models import Person


@pytest.fixture
def head(households):
    return Person.objects.get(name="乌云毕力格")


@pytest.fixture
def outside_head(households):
    return Person.objects.get(name="单国强")
