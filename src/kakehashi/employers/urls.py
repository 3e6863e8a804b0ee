from django.urls import path

from . import views

app_name = "employers"
urlpatterns = [
    path("", views.employer_list, name="list"),
    path("new/", views.employer_edit, name="create"),
    path("<int:pk>/", views.employer_detail, name="detail"),
    path("<int:pk>/edit/", views.employer_edit, name="edit"),
    path("<int:pk>/visits/new/", views.visit_create, name="visit_create"),
]
