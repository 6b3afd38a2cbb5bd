from django.urls import path

from grassroots.dashboards import views

urlpatterns = [
    path("dashboard/", views.dashboard_here, name="dashboard"),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard-area"),
    path("dashboard/<str:code>/export.xlsx", views.dashboard_export, name="dashboard-export"),
    path("dashboard/<str:code>/screen/", views.screen, name="dashboard-screen"),
    path("dashboard/<str:code>/screen.json", views.screen_data, name="dashboard-screen-data"),
    path("dashboard/<str:code>/briefing/", views.briefing_pick, name="dashboard-briefing-pick"),
    path("dashboard/<str:code>/briefing/<int:year>-<int:month>.pdf", views.briefing, name="dashboard-briefing"),
]
