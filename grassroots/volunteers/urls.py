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

    # hours → points, 双报到, 点单 (section D)
    path("volunteers/hours-rule/<str:code>/", views.hours_rule, name="volunteers-hours-rule"),
    path("volunteers/wishes/<int:pk>/dispatch/", views.wish_dispatch, name="volunteers-wish-dispatch"),
    path("volunteers/dispatches/", views.dispatches, name="volunteers-dispatches"),
    path("volunteers/dispatches/<int:pk>/accept/", views.dispatch_accept, name="volunteers-dispatch-accept"),
    path("volunteers/dispatches/<int:pk>/decline/", views.dispatch_decline, name="volunteers-dispatch-decline"),
    path("volunteers/dispatches/<int:pk>/done/", views.dispatch_done, name="volunteers-dispatch-done"),
]
