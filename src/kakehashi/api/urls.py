"""``/api/v1/`` (the API, ``v1``) and ``/api/integrations/`` (the administrator's page for integrations)."""

from django.urls import include, path

from . import views
from .v1 import api

integration_patterns = ([
    path("", views.integrations, name="list"),
    path("revoke/", views.revoke, name="revoke"),
], "integrations")

urlpatterns = [
    path("v1/", api.urls),
    path("integrations/", include(integration_patterns)),
]
