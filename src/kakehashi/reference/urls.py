from django.urls import path

from . import views

app_name = "reference"

urlpatterns = [
    path("codes/", views.codes, name="codes"),
]
