from django.urls import path

from grassroots.core import views

urlpatterns = [
    path("elder-mode/", views.elder_mode, name="elder-mode"),
]
