from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("2fa/", views.verify, name="verify"),
    path("2fa/enrol/", views.enrol, name="enrol"),
    path("2fa/recovery-codes/", views.renew_recovery_codes, name="recovery_codes"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/reset-2fa/", views.staff_reset, name="staff_reset"),
    path("staff/<int:pk>/unlock/", views.staff_unlock, name="staff_unlock"),
]
