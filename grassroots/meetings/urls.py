from django.urls import path

from grassroots.meetings import views

urlpatterns = [
    path("party/meetings/", views.home, name="meetings-home"),
    path("party/meetings/compliance/", views.compliance, name="meetings-compliance"),
    path("party/meetings/compliance.xlsx", views.compliance_xlsx, name="meetings-compliance-xlsx"),
    path("party/meetings/import/", views.import_meetings, name="meetings-import"),
    path("party/meetings/<int:pk>/", views.meeting_detail, name="meetings-meeting"),
    path("party/meetings/<int:pk>/minutes/", views.add_minutes, name="meetings-minutes"),
    path("party/meetings/<int:pk>/attendance/", views.correct_attendance, name="meetings-attendance"),
    path("party/meetings/<int:pk>/photos/<int:photo_pk>/", views.meeting_photo, name="meetings-photo"),
    path("party/organisations/<int:pk>/meetings/", views.meetings_list, name="meetings-list"),
    path("party/organisations/<int:pk>/meetings/new/", views.record, name="meetings-record"),
    path("party/organisations/<int:pk>/meetings.xlsx", views.export_xlsx, name="meetings-export"),
]
