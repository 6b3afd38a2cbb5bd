from django.urls import include, path

from grassroots.demands import public, views

urlpatterns = [
    path("open311/", include("grassroots.demands.open311.urls")),
    # Staff (signed in)
    path("demands/", views.demand_list, name="demands-list"),
    path("demands/new/", views.demand_new, name="demands-new"),
    path("demands/suggest/", views.suggest, name="demands-suggest"),
    path("demands/overdue/", views.overdue_list, name="demands-overdue"),
    path("demands/units/", views.unit_list, name="demands-units"),
    path("demands/units/<slug:code>/", views.unit_queue, name="demands-unit-queue"),
    path("demands/wishes/", views.wish_board, name="demands-wishes"),
    path("demands/numbers/", views.numbers, name="demands-numbers"),
    path("demands/responsibilities/", views.responsibility_list, name="demands-responsibilities"),
    path("demands/<int:pk>/", views.demand_detail, name="demands-detail"),
    path("demands/<int:pk>/route/", views.demand_route, name="demands-route"),
    path("demands/<int:pk>/handle/", views.demand_handle, name="demands-handle"),
    path("demands/<int:pk>/callback/", views.demand_callback, name="demands-callback"),
    path("demands/<int:pk>/claim/", views.wish_claim, name="demands-claim"),
    path("demands/<int:pk>/photos/<int:photo_pk>/", views.demand_photo, name="demands-photo"),
    path("demands/claims/<int:claim_pk>/release/", views.claim_release, name="demands-claim-release"),
    path("demands/claims/<int:claim_pk>/fulfil/", views.claim_fulfil, name="demands-claim-fulfil"),
    # Public (the QR code on a village's or grid's board; no account)
    path("d/<str:area_code>/", public.intake, name="demands-public-intake"),
    path("d/<str:area_code>/t/", public.lookup, name="demands-public-lookup"),
    path("d/<str:area_code>/t/<str:code>/", public.track, name="demands-public-track"),
    path("d/<str:area_code>/t/<str:code>/rate/", public.rate, name="demands-public-rate"),
    path("d/<str:area_code>/wishes/", public.wishes, name="demands-public-wishes"),
]
