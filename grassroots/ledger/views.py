"""A ledger entry's page (where it came from) and its reversal."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from grassroots.access.scope import require, scope_of
from grassroots.audit.context import Actor
from grassroots.catalogue import selectors as catalogue_selectors
from grassroots.core.forms import run_form_once
from grassroots.ledger import forms, selectors, services
from grassroots.ledger.models import EntryKind
from grassroots.points import capabilities as caps
from grassroots.points.pages import render_page
from grassroots.rules.points import short_hash


def _entry_page(request, entry, *, form=None, status=200):
    adoption, adoption_direct = None, False
    if entry.rule_version is not None:
        adoption_direct = entry.rule_version.adoption is not None
        adoption = entry.rule_version.adoption or catalogue_selectors.latest_adoption(
            entry.rule_version.rule.rule_set_id, entry.rule_version.effective_from)
    can_reverse = (scope_of(request.user).can(caps.REVERSE, entry.path) and entry.kind != EntryKind.REVERSAL
                   and entry.reversal is None)
    return render_page(request, "ledger/entry.html", {
        "entry": entry, "adoption": adoption, "adoption_direct": adoption_direct, "can_reverse": can_reverse,
        "form": form or forms.ReverseForm(), "short": short_hash(entry.hash), "reversal_points": -entry.points,
    }, status=status)


@login_required
@require_GET
def entry(request, pk: int):
    return _entry_page(request, selectors.entry_origin(request.user, pk))


@login_required
@require_POST
def entry_reverse(request, pk: int):
    entry = selectors.entry_origin(request.user, pk)
    require(request.user, caps.REVERSE, entry.path)
    form = forms.ReverseForm(request.POST)
    if form.is_valid():
        def work():
            reversal = services.reverse_entry(actor=Actor.from_request(request), entry=entry,
                                              reason=form.cleaned_data["reason"])
            return {"entry": reversal.pk}

        done = run_form_once(request, form, action="points.entry.reverse", work=work)
        if done:
            messages.success(request, "已冲正，冲正记录已入账")
            return redirect("points-entry", pk=done.result["entry"])
    return _entry_page(request, entry, form=form, status=400)
