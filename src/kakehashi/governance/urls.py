from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/status/", views.request_transition, name="request_transition"),
    path("council/new/", views.meeting_create, name="meeting_create"),
    path("council/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("council/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("council/<int:pk>/attendees/", views.attendee_add, name="attendee_add"),
    path("council/<int:pk>/attendees/<int:attendee_pk>/remove/", views.attendee_remove, name="attendee_remove"),
    path("council/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("council/<int:pk>/follow-ups/", views.follow_up_add, name="follow_up_add"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("council/<int:pk>/pack/", views.meeting_pack, name="meeting_pack"),
    path("council/<int:pk>/pack/issue/", views.meeting_pack_issue, name="meeting_pack_issue"),
    path("council/<int:pk>/pack.pdf", views.meeting_pack_pdf, name="meeting_pack_pdf"),
]
