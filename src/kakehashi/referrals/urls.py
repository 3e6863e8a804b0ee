from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_create, name="create"),
    path("settings/", views.referral_settings, name="settings"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/letter.pdf", views.letter, name="letter"),
    path("<int:pk>/interview/", views.interview, name="interview"),
    path("<int:pk>/trial/", views.trial_start, name="trial_start"),
    path("<int:pk>/trial/end/", views.trial_end, name="trial_end"),
    path("<int:pk>/follow-ups/", views.follow_up, name="follow_up"),
    path("<int:pk>/contributors/", views.contributor, name="contributor"),
]
