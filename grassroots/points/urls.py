from django.urls import include, path

from grassroots.boards import views as boards_views
from grassroots.catalogue import views as catalogue_views
from grassroots.claims import views as claims_views
from grassroots.ledger import views as ledger_views

urlpatterns = [
    # Staff (signed in)
    path("points/", claims_views.home, name="points-home"),
    path("points/record/", claims_views.record, name="points-record"),
    path("points/record/batch/", claims_views.record_batch, name="points-record-batch"),
    path("points/record/done/<str:batch>/", claims_views.record_done, name="points-record-done"),
    path("points/claims/mine/", claims_views.my_claims, name="points-my-claims"),
    path("points/claims/<int:pk>/resubmit/", claims_views.resubmit, name="points-resubmit"),
    path("points/claims/<int:pk>/withdraw/", claims_views.withdraw, name="points-withdraw"),
    path("points/claims/<int:pk>/photo/", claims_views.claim_photo, name="points-claim-photo"),
    path("points/review/", claims_views.review, name="points-review"),
    path("points/rules/", catalogue_views.rules, name="points-rules"),
    path("points/rules/templates/", catalogue_views.templates, name="points-templates"),
    path("points/rules/new/", catalogue_views.rule_set_new, name="points-rule-set-new"),
    path("points/rules/copy/", catalogue_views.rule_copy, name="points-rule-copy"),
    path("points/rules/sets/<int:pk>/", catalogue_views.rule_set, name="points-rule-set"),
    path("points/rules/sets/<int:pk>/add/", catalogue_views.rule_add, name="points-rule-add"),
    path("points/rules/sets/<int:pk>/adoptions/", catalogue_views.adoption_add, name="points-adoption-add"),
    path("points/rules/<int:pk>/revise/", catalogue_views.rule_revise, name="points-rule-revise"),
    path("points/notices/", claims_views.notices, name="points-notices"),
    path("points/objections/", claims_views.objections, name="points-objections"),
    path("points/objections/<int:pk>/decide/", claims_views.objection_decide, name="points-objection-decide"),
    path("points/entries/<int:pk>/", ledger_views.entry, name="points-entry"),
    path("points/entries/<int:pk>/reverse/", ledger_views.entry_reverse, name="points-entry-reverse"),
    path("points/households/<int:pk>/", boards_views.household, name="points-household"),
    # Public (the grid's board and its QR code; no account)
    path("board/notices/<str:token>/", boards_views.public_notice, name="points-public-notice"),
    path("board/notices/<str:token>/check/", boards_views.public_check, name="points-public-check"),
    # Points II: household and grid boards, statements, rankings (board_views.py)
    path("", include("grassroots.points.board_urls")),
    # Points II: settlements, the annual summary, policy, consent (settlement_views.py)
    path("", include("grassroots.points.settlement_urls")),
]
