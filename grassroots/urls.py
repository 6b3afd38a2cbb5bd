from django.contrib import admin
from django.urls import include, path

from grassroots.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("grassroots.core.urls")),
    path("", include("grassroots.access.urls")),
    path("", include("grassroots.audit.urls")),
    path("", include("grassroots.areas.urls")),
    path("", include("grassroots.spreadsheets.urls")),
    path("", include("grassroots.claims.urls")),
    path("", include("grassroots.catalogue.urls")),
    path("", include("grassroots.ledger.urls")),
    path("", include("grassroots.boards.urls")),
    path("", include("grassroots.settlement.urls")),
    path("", include("grassroots.shop.urls")),
    path("", include("grassroots.demands.urls")),
    path("", include("grassroots.party.urls")),
    path("", include("grassroots.members.urls")),
    path("", include("grassroots.meetings.urls")),
    path("", include("grassroots.development.urls")),
    path("", include("grassroots.neworgs.urls")),
    path("", include("grassroots.pairing.urls")),
    path("", include("grassroots.volunteers.urls")),
    path("", include("grassroots.dashboards.urls")),
]

# Chinese error pages with a way back; JSON in the API's error shape under /api/ (core/errors.py).
handler400 = "grassroots.core.errors.bad_request"
handler403 = "grassroots.core.errors.permission_denied"
handler404 = "grassroots.core.errors.page_not_found"
handler500 = "grassroots.core.errors.server_error"
