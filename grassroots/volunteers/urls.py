from django.urls import path

from grassroots.volunteers import views

urlpatterns = [
    # sites, teams, volunteers, public (section A)
    path("volunteers/", views.home, name="volunteers-home"),
    path("volunteers/teams/<int:pk>/", views.team_page, name="volunteers-team"),
    path("board/volunteers/<str:code>/", views.public_calendar, name="volunteers-public-calendar"),

    # activities, sign-ups, check-in, hours (section B)
    path("volunteers/me/", views.my_service, name="volunteers-me"),
    path("volunteers/activities/<int:pk>/", views.activity_page, name="volunteers-activity"),
    path("volunteers/hours/", views.hours_queue, name="volunteers-hours"),
    path("volunteers/activities/", views.activities, name="volunteers-activities"),
    path("volunteers/teams/<int:pk>/activities/new/", views.activity_new, name="volunteers-activity-new"),

    # rotas (section C)

    # hours → points, 双报到, 点单 (section D)
]
