from django.urls import path

from grassroots.pairing import views

# Every page's name is reserved here from the start (``views.not_yet`` answers 404 until its page lands), so pages
# can link to each other while they are built in parallel.
urlpatterns = [
    # pairs
    path("pairing/", views.not_yet, name="pairing-home"),
    path("pairing/pairs/", views.not_yet, name="pairing-register"),
    path("pairing/pairs.xlsx", views.not_yet, name="pairing-register-xlsx"),
    path("pairing/pairs/new/", views.not_yet, name="pairing-pair-new"),
    path("pairing/pairs/<int:pk>/end/", views.not_yet, name="pairing-pair-end"),
    path("pairing/assign/", views.not_yet, name="pairing-assign"),
    path("pairing/import/", views.not_yet, name="pairing-import"),
    path("pairing/options/<str:code>/", views.not_yet, name="pairing-options"),
    # end of pairs

    # visits
    path("pairing/pairs/<int:pk>/", views.not_yet, name="pairing-pair"),
    path("pairing/pairs/<int:pk>/visit/", views.not_yet, name="pairing-visit-new"),
    path("pairing/visits/<int:pk>/", views.not_yet, name="pairing-visit"),
    path("pairing/visits/<int:pk>/photos/<int:photo>/", views.not_yet, name="pairing-visit-photo"),
    path("pairing/households/<int:pk>/", views.not_yet, name="pairing-household"),
    # end of visits

    # coverage
    path("pairing/my/", views.my_pairs, name="pairing-my"),
    path("pairing/coverage/", views.coverage, name="pairing-coverage"),
    path("pairing/coverage.xlsx", views.coverage_xlsx, name="pairing-coverage-xlsx"),
    path("pairing/figures/", views.figures, name="pairing-figures"),
    # end of coverage

    # cloud branch
    path("pairing/cloud/", views.not_yet, name="pairing-cloud"),
    path("pairing/cloud/meetings/<int:pk>/", views.not_yet, name="pairing-cloud-meeting"),
    path("pairing/cloud/meetings/<int:pk>/relay/<int:pair>/", views.not_yet, name="pairing-relay-new"),
    path("pairing/r/<str:token>/", views.not_yet, name="pairing-relay-confirm"),
    # end of cloud branch
]
