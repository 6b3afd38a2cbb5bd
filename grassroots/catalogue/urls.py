"""The rule catalogue pages: rule sets, adoptions, rules and their revisions, templates.

URL names keep their points- prefix (they predate the split)."""

from django.urls import path

from grassroots.catalogue import views

urlpatterns = [
    path("points/rules/", views.rules, name="points-rules"),
    path("points/rules/templates/", views.templates, name="points-templates"),
    path("points/rules/new/", views.rule_set_new, name="points-rule-set-new"),
    path("points/rules/copy/", views.rule_copy, name="points-rule-copy"),
    path("points/rules/sets/<int:pk>/", views.rule_set, name="points-rule-set"),
    path("points/rules/sets/<int:pk>/add/", views.rule_add, name="points-rule-add"),
    path("points/rules/sets/<int:pk>/adoptions/", views.adoption_add, name="points-adoption-add"),
    path("points/rules/<int:pk>/revise/", views.rule_revise, name="points-rule-revise"),
]
