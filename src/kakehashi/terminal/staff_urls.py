"""The staff pages of the terminals: registration, the desk's queue, the figures."""

from django.urls import path

from . import signin_views, staff_views

app_name = "terminals"
urlpatterns = [
    path("", staff_views.devices, name="devices"),
    path("<int:pk>/", staff_views.device, name="device"),
    path("queue/", staff_views.queue, name="queue"),
    path("tickets/<int:pk>/", staff_views.ticket, name="ticket"),
    path("figures/", staff_views.figures, name="figures"),
    path("figures.csv", staff_views.figures_csv, name="figures_csv"),
    path("seekers/<int:pk>/pin/", signin_views.seeker_pin, name="seeker_pin"),
]
