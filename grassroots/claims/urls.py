"""Recording and review, notices and objections (signed in).

URL names keep their points- prefix (they predate the split)."""

from django.urls import path

from grassroots.claims import views

urlpatterns = [
    path("points/", views.home, name="points-home"),
    path("points/record/", views.record, name="points-record"),
    path("points/record/batch/", views.record_batch, name="points-record-batch"),
    path("points/record/done/<str:batch>/", views.record_done, name="points-record-done"),
    path("points/claims/mine/", views.my_claims, name="points-my-claims"),
    path("points/claims/<int:pk>/resubmit/", views.resubmit, name="points-resubmit"),
    path("points/claims/<int:pk>/withdraw/", views.withdraw, name="points-withdraw"),
    path("points/claims/<int:pk>/photo/", views.claim_photo, name="points-claim-photo"),
    path("points/review/", views.review, name="points-review"),
    path("points/notices/", views.notices, name="points-notices"),
    path("points/objections/", views.objections, name="points-objections"),
    path("points/objections/<int:pk>/decide/", views.objection_decide, name="points-objection-decide"),
]
