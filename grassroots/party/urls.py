"""Pages of the party organisation tree (党委 / 党总支 / 党支部 / 党小组), rectification and 最强党支部."""

from django.urls import path

from grassroots.party import views

urlpatterns = [
    path("party/", views.home, name="party-home"),
    path("party/organisations/new/", views.organisation_new, name="party-organisation-new"),
    path("party/organisations.xlsx", views.organisations_xlsx, name="party-organisations-xlsx"),
    path("party/organisations/import/", views.organisations_import, name="party-organisations-import"),
    path("party/organisations/import/template.xlsx", views.import_template, name="party-organisations-template"),
    path("party/organisations/<int:pk>/", views.organisation, name="party-organisation"),
    path("party/organisations/<int:pk>/edit/", views.organisation_edit, name="party-organisation-edit"),
    path("party/organisations/<int:pk>/move/", views.organisation_move, name="party-organisation-move"),
    path("party/organisations/<int:pk>/dissolve/", views.organisation_dissolve, name="party-organisation-dissolve"),
    path("party/organisations/<int:pk>/rectifications/new/", views.rectification_open,
         name="party-rectification-open"),
    path("party/rectifications/", views.rectifications, name="party-rectifications"),
    path("party/rectifications/<int:pk>/complete/", views.rectification_complete,
         name="party-rectification-complete"),
    path("party/model-branch/", views.model_branch, name="party-model-branch"),
    path("party/model-branch/<int:year>/publish/", views.model_branch_publish, name="party-model-branch-publish"),
    path("party/organisations/<int:pk>/model-branch/", views.evidence, name="party-evidence"),
    path("party/organisations/<int:pk>/model-branch/items/<int:item>/", views.evidence_submit,
         name="party-evidence-submit"),
    path("party/evidence/<int:pk>/decide/", views.evidence_decide, name="party-evidence-decide"),
    path("party/evidence/<int:pk>/photo/", views.evidence_photo, name="party-evidence-photo"),
]
