"""Open311 GeoReport v2, mounted at /open311/ by grassroots/demands/urls.py. See views.py."""

from django.urls import re_path

from grassroots.demands.open311 import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^v2/discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^discovery" + FMT, views.discovery),  # where discovery files usually live: beside the versions
    re_path(r"^v2/services" + FMT, views.services_list, name="open311-services"),
    re_path(r"^v2/services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^v2/requests" + FMT, views.requests_list, name="open311-requests"),
    re_path(r"^v2/requests/(?P<pk>[^/.]+)" + FMT, views.request_detail, name="open311-request"),
    re_path(r"^v2/tokens/(?P<token>[^/.]+)" + FMT, views.token, name="open311-token"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
