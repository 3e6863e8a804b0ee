from django.urls import path

from . import views

app_name = "welfare"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/visits/", views.visit, name="visit"),
    path("<int:pk>/close/", views.close, name="close"),
]
