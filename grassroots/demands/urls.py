from django.urls import include, path

urlpatterns = [
    path("open311/", include("grassroots.demands.open311.urls")),
]
