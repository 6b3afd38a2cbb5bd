"""A ledger entry and its reversal.

URL names keep their points- prefix (they predate the split)."""

from django.urls import path

from grassroots.ledger import views

urlpatterns = [
    path("points/entries/<int:pk>/", views.entry, name="points-entry"),
    path("points/entries/<int:pk>/reverse/", views.entry_reverse, name="points-entry-reverse"),
]
