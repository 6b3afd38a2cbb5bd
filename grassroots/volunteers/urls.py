from django.urls import path

from grassroots.volunteers import views

urlpatterns = [
    # sites, teams, volunteers, public
    path("volunteers/", views.home, name="volunteers-home"),
    path("volunteers/sites/", views.sites, name="volunteers-sites"),
    path("volunteers/sites/new/", views.site_new, name="volunteers-site-new"),
    path("volunteers/sites/<int:pk>/", views.site_page, name="volunteers-site"),
    path("volunteers/sites/<int:pk>/edit/", views.site_edit, name="volunteers-site-edit"),
    path("volunteers/teams/", views.teams, name="volunteers-teams"),
    path("volunteers/teams/new/", views.team_new, name="volunteers-team-new"),
    path("volunteers/teams/<int:pk>/", views.team_page, name="volunteers-team"),
    path("volunteers/teams/<int:pk>/members/", views.team_member_add, name="volunteers-team-member-add"),
    path("volunteers/teams/<int:pk>/members/<int:volunteer>/remove/", views.team_member_remove,
         name="volunteers-team-member-remove"),
    path("volunteers/teams/<int:pk>/join/", views.team_join, name="volunteers-team-join"),
    path("volunteers/register/", views.register, name="volunteers-register"),
    path("volunteers/people/", views.people, name="volunteers-people"),
    path("volunteers/people.xlsx", views.people_xlsx, name="volunteers-people-xlsx"),
    path("volunteers/people/<int:pk>/", views.person, name="volunteers-person"),
    path("volunteers/people/<int:pk>/profile/", views.profile, name="volunteers-profile"),
    path("board/volunteers/<str:code>/", views.public_calendar, name="volunteers-public-calendar"),
    path("board/volunteers/<str:code>/honour/", views.public_honour, name="volunteers-public-honour"),

    # activities, sign-ups, check-in, hours
    path("volunteers/me/", views.my_service, name="volunteers-me"),
    path("volunteers/activities/<int:pk>/", views.activity_page, name="volunteers-activity"),
    path("volunteers/hours/", views.hours_queue, name="volunteers-hours"),
    path("volunteers/activities/", views.activities, name="volunteers-activities"),
    path("volunteers/teams/<int:pk>/activities/new/", views.activity_new, name="volunteers-activity-new"),

    # rotas
    path("volunteers/rotas/", views.rotas, name="volunteers-rotas"),
    path("volunteers/rotas/new/", views.rota_new, name="volunteers-rota-new"),
    path("volunteers/rotas/<int:pk>/", views.rota_page, name="volunteers-rota"),
    path("volunteers/rotas/<int:pk>/print/", views.rota_print, name="volunteers-rota-print"),
    path("volunteers/rotas/<int:pk>/rota.xlsx", views.rota_xlsx, name="volunteers-rota-xlsx"),
    path("volunteers/rotas/<int:pk>/publish/", views.rota_publish, name="volunteers-rota-publish"),
    path("volunteers/rotas/turns/<int:pk>/", views.rota_turn, name="volunteers-rota-turn"),

    # hours → points, 双报到, 点单
    path("volunteers/hours-rule/<str:code>/", views.hours_rule, name="volunteers-hours-rule"),
    path("volunteers/wishes/<int:pk>/dispatch/", views.wish_dispatch, name="volunteers-wish-dispatch"),
    path("volunteers/dispatches/", views.dispatches, name="volunteers-dispatches"),
    path("volunteers/dispatches/<int:pk>/accept/", views.dispatch_accept, name="volunteers-dispatch-accept"),
    path("volunteers/dispatches/<int:pk>/decline/", views.dispatch_decline, name="volunteers-dispatch-decline"),
    path("volunteers/dispatches/<int:pk>/done/", views.dispatch_done, name="volunteers-dispatch-done"),
]
