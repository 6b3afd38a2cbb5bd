from django.urls import path

from grassroots.neworgs import views

urlpatterns = [
    path("party/neworgs/", views.census, name="neworgs-census"),
    path("party/neworgs/census.xlsx", views.census_xlsx, name="neworgs-census-xlsx"),
    path("party/neworgs/import/", views.census_import, name="neworgs-census-import"),
    path("party/neworgs/<int:pk>/", views.organisation, name="neworgs-organisation"),
    path("party/neworgs/registers/", views.registers, name="neworgs-registers"),
    path("party/neworgs/registers.xlsx", views.registers_xlsx, name="neworgs-registers-xlsx"),
    path("party/neworgs/instructors/", views.instructors, name="neworgs-instructors"),
    path("party/neworgs/instructors/import/", views.instructors_import, name="neworgs-instructors-import"),
]
