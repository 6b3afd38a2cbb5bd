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

    # rotas (section C)
    path("volunteers/rotas/", views.rotas, name="volunteers-rotas"),
    path("volunteers/rotas/new/", views.rota_new, name="volunteers-rota-new"),
    path("volunteers/rotas/<int:pk>/", views.rota_page, name="volunteers-rota"),
    path("volunteers/rotas/<int:pk>/print/", views.rota_print, name="volunteers-rota-print"),
    path("volunteers/rotas/<int:pk>/rota.xlsx", views.rota_xlsx, name="volunteers-rota-xlsx"),
    path("volunteers/rotas/<int:pk>/publish/", views.rota_publish, name="volunteers-rota-publish"),
    path("volunteers/rotas/turns/<int:pk>/", views.rota_turn, name="volunteers-rota-turn"),

    # hours → points, 双报到, 点单 (section D)
]
