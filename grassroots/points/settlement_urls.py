"""Quarterly settlements, the annual summary, the village policy, credit consent."""

urlpatterns: list = []
