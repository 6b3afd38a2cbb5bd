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
]
