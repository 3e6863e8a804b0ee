from django.contrib.auth import views as auth_views
from django.urls import include, path

from kakehashi.core import views as core_views
from kakehashi.ops import views as ops_views
from kakehashi.signin import views as signin_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("about/", core_views.about, name="about"),
    path("login/", signin_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("kakehashi.signin.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("seekers/", include("kakehashi.seekers.urls")),
    path("employers/", include("kakehashi.employers.urls")),
    path("postings/", include("kakehashi.postings.urls")),
    path("referrals/", include("kakehashi.referrals.urls")),
    path("development/", include("kakehashi.development.urls")),
    path("welfare/", include("kakehashi.welfare.urls")),
    path("plans/", include("kakehashi.plans.urls")),
    path("governance/", include("kakehashi.governance.urls")),
    path("matching/", include("kakehashi.matching.urls")),
]
