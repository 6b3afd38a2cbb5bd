from django.urls import path

from grassroots.members import views

urlpatterns = [
    path("party/members/", views.register, name="members-register"),
    path("party/members/register.xlsx", views.register_xlsx, name="members-register-xlsx"),
    path("party/members/import/", views.register_import, name="members-import"),
    path("party/members/import/template.xlsx", views.register_import_template, name="members-import-template"),
    path("party/members/<int:pk>/", views.member_detail, name="members-member"),
    path("party/members/<int:pk>/end/", views.member_end, name="members-end"),
    path("party/members/<int:pk>/mobile/", views.member_mobile, name="members-register-mobile"),
    path("party/members/organisations/<int:organisation_id>/posts/", views.post_appoint, name="members-post-appoint"),
    path("party/members/posts/<int:pk>/end/", views.post_end, name="members-post-end"),
    path("party/members/transfers/", views.transfers, name="members-transfers"),
    path("party/members/transfers/<int:pk>/receive/", views.transfer_receive, name="members-transfer-receive"),
    path("party/members/transfers/<int:pk>/withdraw/", views.transfer_withdraw, name="members-transfer-withdraw"),
    path("party/members/mobile/", views.mobile, name="members-mobile"),
    path("party/members/mobile.xlsx", views.mobile_xlsx, name="members-mobile-xlsx"),
    path("party/members/mobile/<int:pk>/contacts/", views.mobile_contact, name="members-mobile-contact"),
    path("party/members/home-reports/", views.home_reports, name="members-home-reports"),
    path("party/members/home-reports/<int:pk>/hours/", views.home_report_hours, name="members-home-report-hours"),
]
