"""The administrator's page for integrations: the list, a new integration (its token shown once) and revoking
one. Reached only with ``staff.administer`` (``policy.ROUTES``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakehashi.core.errors import ActionError
from kakehashi.core.http import AuthedRequest

from .actions import do_create_integration, do_revoke_integration
from .forms import IntegrationForm
from .models import Integration


@login_required
def integrations(request: AuthedRequest) -> HttpResponse:
    form = IntegrationForm(request.POST or None)
    token = None
    created = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created, token = do_create_integration(
                name=d["name"].strip(), description=d["description"], agency=d["agency"], scopes=d["scopes"],
                requests_per_minute=d["requests_per_minute"], acting_user=request.user)
        except ActionError as e:
            form.add_error(None, str(e))
        else:
            form = IntegrationForm()
    rows = Integration.objects.select_related("agency").order_by("revoked_at", "name")
    # The token appears in this one answer only (never stored, never in a message that would outlive it).
    return render(request, "api/integrations.html", {"form": form, "rows": rows, "token": token,
                                                     "created": created})


@require_POST
@login_required
def revoke(request: AuthedRequest) -> HttpResponse:
    chosen = request.POST.get("integration", "")
    integration = Integration.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if integration is None:
        messages.error(request, _("失効させる連携が見つかりません。"))
    else:
        do_revoke_integration(integration, acting_user=request.user)
        messages.success(request, _("連携「%(name)s」のトークンを失効させました。") % {"name": integration.name})
    return redirect("integrations:list")
