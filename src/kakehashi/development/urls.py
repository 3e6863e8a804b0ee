from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("", views.board, name="board"),
    path("hard-to-fill/", views.hard_to_fill, name="hard_to_fill"),
    path("targets/", views.targets, name="targets"),
    path("seekers/<int:pk>/", views.for_seeker, name="for_seeker"),
    path("seekers/<int:pk>/profile/", views.profile, name="profile"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/new/<int:employer_pk>/", views.contact_create, name="contact_create"),
    path("contacts/<int:visit_pk>/posting/", views.link_posting, name="link_posting"),
    path("plan/", views.plan, name="plan"),
    path("sources/", views.sources, name="sources"),
]
