from django.urls import path

from grassroots.spreadsheets import views

app_name = "spreadsheets"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/template.xlsx", views.template, name="template"),
    path("imports/<int:pk>/", views.job, name="job"),
    path("imports/<int:pk>/progress/", views.progress, name="progress"),
    path("imports/<int:pk>/report.xlsx", views.report, name="report"),
    path("exports/households.xlsx", views.export_households, name="export_households"),
    path("exports/", views.request_export, name="export_request"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download.xlsx", views.export_download, name="export_download"),
]
