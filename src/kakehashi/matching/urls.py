from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("seeker/<int:pk>/", views.seeker_matches, name="seeker"),
    path("posting/<int:pk>/", views.posting_candidates, name="posting"),
]
