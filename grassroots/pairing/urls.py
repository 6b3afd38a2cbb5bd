from django.urls import path

from grassroots.pairing import views

urlpatterns = [
    # pairs
    path("pairing/", views.home, name="pairing-home"),
    path("pairing/pairs/", views.register, name="pairing-register"),
    path("pairing/pairs.xlsx", views.register_xlsx, name="pairing-register-xlsx"),
    path("pairing/pairs/new/", views.pair_new, name="pairing-pair-new"),
    path("pairing/pairs/<int:pk>/end/", views.pair_end, name="pairing-pair-end"),
    path("pairing/assign/", views.assign, name="pairing-assign"),
    path("pairing/import/", views.pairs_import, name="pairing-import"),
    path("pairing/options/<str:code>/", views.village_options, name="pairing-options"),

    # visits
    path("pairing/pairs/<int:pk>/", views.pair_page, name="pairing-pair"),
    path("pairing/pairs/<int:pk>/visit/", views.visit_new, name="pairing-visit-new"),
    path("pairing/visits/<int:pk>/", views.visit_page, name="pairing-visit"),
    path("pairing/visits/<int:pk>/photos/<int:photo>/", views.visit_photo, name="pairing-visit-photo"),
    path("pairing/households/<int:pk>/", views.household_page, name="pairing-household"),

    # coverage
    path("pairing/my/", views.my_pairs, name="pairing-my"),
    path("pairing/coverage/", views.coverage, name="pairing-coverage"),
    path("pairing/coverage.xlsx", views.coverage_xlsx, name="pairing-coverage-xlsx"),
    path("pairing/figures/", views.figures, name="pairing-figures"),

    # cloud branch
    path("pairing/cloud/", views.cloud, name="pairing-cloud"),
    path("pairing/cloud/meetings/<int:pk>/", views.cloud_meeting, name="pairing-cloud-meeting"),
    path("pairing/cloud/meetings/<int:pk>/relay/<int:pair>/", views.relay_new, name="pairing-relay-new"),
    path("pairing/r/<str:token>/", views.relay_confirm, name="pairing-relay-confirm"),
    path("pairing/r/<str:token>/photo/", views.relay_photo, name="pairing-relay-photo"),
]
