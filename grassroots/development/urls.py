from django.urls import path

from grassroots.development import views

urlpatterns = [
    path("party/development/", views.pipeline, name="development-pipeline"),
    path("party/development/new/", views.register, name="development-register"),
    path("party/development/reserve/", views.reserve, name="development-reserve"),
    path("party/development/export.xlsx", views.pipeline_export, name="development-export"),
    path("party/development/reserve/export.xlsx", views.reserve_export, name="development-reserve-export"),
    path("party/development/import/", views.import_developments, name="development-import"),
    path("party/development/import/template.xlsx", views.import_template, name="development-import-template"),
    path("party/development/<int:pk>/", views.person, name="development-person"),
    path("party/development/<int:pk>/advance/", views.advance, name="development-advance"),
    path("party/development/<int:pk>/talk/", views.talk, name="development-talk"),
    path("party/development/<int:pk>/extend/", views.extend, name="development-extend"),
    path("party/development/<int:pk>/stop/", views.stop, name="development-stop"),
]
