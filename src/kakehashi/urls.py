from django.contrib.auth import views as auth_views
from django.urls import include, path

from kakehashi.home import views as home_views
from kakehashi.ops import views as ops_views
from kakehashi.signin import views as signin_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("about/", home_views.about, name="about"),
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
    path("reference/", include("kakehashi.reference.urls")),
    path("api/", include("kakehashi.api.urls")),
    path("terminal/", include("kakehashi.terminal.urls")),
    path("terminals/", include("kakehashi.terminal.staff_urls")),
]

# A failure answers a page in the user's language; while the database does not answer, a 503 (docs/deploy.md).
handler500 = "kakehashi.ops.unavailable.server_error"
