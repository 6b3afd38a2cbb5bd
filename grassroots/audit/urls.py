from django.urls import path

from grassroots.audit import views

urlpatterns = [path("audit/", views.audit_search, name="audit-search")]
