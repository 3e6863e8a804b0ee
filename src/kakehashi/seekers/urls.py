from django.urls import path

from . import views

app_name = "seekers"
urlpatterns = [
    path("", views.seeker_list, name="list"),
    path("new/", views.seeker_create, name="create"),
    path("<int:pk>/", views.seeker_detail, name="detail"),
    path("<int:pk>/edit/", views.seeker_edit, name="edit"),
    path("<int:pk>/audit/", views.audit_trail, name="audit_trail"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("<int:pk>/consents/<int:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/consultations/", views.consultation_add, name="consultation_add"),
]
