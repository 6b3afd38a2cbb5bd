from django.urls import include, path

from grassroots.points import views

urlpatterns = [
    # Staff (signed in)
    path("points/", views.home, name="points-home"),
    path("points/record/", views.record, name="points-record"),
    path("points/record/batch/", views.record_batch, name="points-record-batch"),
    path("points/record/done/<str:batch>/", views.record_done, name="points-record-done"),
    path("points/claims/mine/", views.my_claims, name="points-my-claims"),
    path("points/claims/<int:pk>/resubmit/", views.resubmit, name="points-resubmit"),
    path("points/claims/<int:pk>/withdraw/", views.withdraw, name="points-withdraw"),
    path("points/claims/<int:pk>/photo/", views.claim_photo, name="points-claim-photo"),
    path("points/review/", views.review, name="points-review"),
    path("points/rules/", views.rules, name="points-rules"),
    path("points/rules/templates/", views.templates, name="points-templates"),
    path("points/rules/new/", views.rule_set_new, name="points-rule-set-new"),
    path("points/rules/copy/", views.rule_copy, name="points-rule-copy"),
    path("points/rules/sets/<int:pk>/", views.rule_set, name="points-rule-set"),
    path("points/rules/sets/<int:pk>/add/", views.rule_add, name="points-rule-add"),
    path("points/rules/sets/<int:pk>/adoptions/", views.adoption_add, name="points-adoption-add"),
    path("points/rules/<int:pk>/revise/", views.rule_revise, name="points-rule-revise"),
    path("points/notices/", views.notices, name="points-notices"),
    path("points/objections/", views.objections, name="points-objections"),
    path("points/objections/<int:pk>/decide/", views.objection_decide, name="points-objection-decide"),
    path("points/entries/<int:pk>/", views.entry, name="points-entry"),
    path("points/entries/<int:pk>/reverse/", views.entry_reverse, name="points-entry-reverse"),
    path("points/households/<int:pk>/", views.household, name="points-household"),
    # Public (the grid's board and its QR code; no account)
    path("board/notices/<str:token>/", views.public_notice, name="points-public-notice"),
    path("board/notices/<str:token>/check/", views.public_check, name="points-public-check"),
    # Points II: household and grid boards, statements, rankings (board_views.py)
    path("", include("grassroots.points.board_urls")),
    # Points II: settlements, the annual summary, policy, consent (settlement_views.py)
    path("", include("grassroots.points.settlement_urls")),
]
