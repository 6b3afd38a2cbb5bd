from django.urls import path

from grassroots.access import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("area/", views.area_switch, name="area-switch"),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:token_id>/revoke/", views.account_token_revoke, name="account-token-revoke"),
]
