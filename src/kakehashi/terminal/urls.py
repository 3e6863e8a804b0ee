"""The terminal's own pages (no staff sign-in; an enrolled terminal's cookie)."""

from django.urls import path

from . import signin_views, views

app_name = "terminal"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("enrol/", views.enrol, name="enrol"),
    path("postings/<int:pk>/", views.posting_page, name="posting"),
    path("postings/<int:pk>/choose/", views.choose, name="choose"),
    path("postings/<int:pk>/print/", views.print_page, name="print"),
    path("chosen/", views.chosen_page, name="chosen"),
    path("ticket/", views.ticket_page, name="ticket"),
    path("end/", views.end, name="end"),
    path("furigana/", views.furigana, name="furigana"),
    path("signin/", signin_views.signin_page, name="signin"),
    path("mine/", signin_views.mine_page, name="mine"),
    path("signout/", signin_views.signout, name="signout"),
]
