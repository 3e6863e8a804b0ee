from django.urls import path

from . import views

app_name = "postings"
urlpatterns = [
    path("", views.posting_list, name="list"),
    path("new/", views.posting_edit, name="create"),
    path("<int:pk>/", views.posting_detail, name="detail"),
    path("<int:pk>/sheet.pdf", views.posting_sheet, name="sheet"),
    path("<int:pk>/edit/", views.posting_edit, name="edit"),
]
