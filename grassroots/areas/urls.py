from django.urls import path

from grassroots.areas import views

urlpatterns = [
    path("", views.home, name="home"),
    path("households/", views.household_search, name="household-search"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
]
