"""Household page, grid board, monthly statement, village ranking."""

urlpatterns: list = []
