from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.index, name="index"),
    path("progress/", views.progress, name="progress"),
    path("progress/sites/", views.by_site, name="by_site"),
    path("home-card/", views.home_card, name="home_card"),
    path("report/<slug:site>/<str:fy>/", views.report, name="report"),
    path("drill/<slug:site>/<str:fy>/<slug:indicator>/", views.drill, name="drill"),
]
