"""Pages of pairing (/pairing/): thin views over pairing.selectors and pairing.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.access.scope import scope_of
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.forms import run_form_once
from grassroots.meetings.models import Meeting
from grassroots.pairing import selectors, services
from grassroots.pairing.forms_cloud import RelayForm
from grassroots.pairing.models import Pair, Relay
from grassroots.party import capabilities as party_caps
from grassroots.rules import pairing as pairing_rules
from grassroots.rules.masking import mask_name


def not_yet(request, **kwargs):
    """A reserved page that has not landed yet (urls.py). Remove once every page is in."""
    raise Http404("未找到")


# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch


@login_required
@require_GET
def cloud(request):
    """The cloud branches the caller reaches: mobile members away, their paired member, the last meetings."""
    if not scope_of(request.user).paths(party_caps.VIEW):
        raise Http404("未找到")
    day, _ = asked_day(request)
    return render(request, "pairing/cloud.html", {
        "day": day, "branches": selectors.cloud_branches(request.user, day=day), "states": selectors.RELAY_STATES,
    })


@login_required
@require_GET
def cloud_meeting(request, pk: int):
    """One meeting: every mobile member it is relayed to, their pair and the relay's state."""
    meeting, rows = selectors.cloud_meeting_for(request.user, pk)
    for row in rows:
        row.may_relay = row.pair is not None and services.may_relay(request.user, meeting, row.pair,
                                                                    cloud_branch=row.spell.cloud_branch)
    tally = [(state, label, sum(1 for r in rows if r.state == state)) for state, label in selectors.RELAY_STATES.items()]
    return render(request, "pairing/cloud_meeting.html", {
        "meeting": meeting, "rows": rows, "states": selectors.RELAY_STATES, "tally": tally,
        "unpaired": sum(1 for r in rows if r.pair is None),
    })


def _relay_target(request, pk: int, pair_pk: int):
    """The meeting and pair of a relay page, for a caller who may relay it: 403 to one who may only look, 404 to
    anyone else (and for a pair that is not one of the meeting's mobile members')."""
    meeting = Meeting.objects.select_related("organisation").filter(pk=pk).first()
    pair = (Pair.objects.select_related("visitor_member", "member")
            .filter(pk=pair_pk, kind=pairing_rules.MEMBER_MOBILE).first())
    if meeting is None or pair is None:
        raise Http404("未找到")
    services.authorise_relay(Actor.from_request(request), meeting, pair)
    if not pair.in_force_on(meeting.held_on) or not selectors.audience_of(meeting).filter(
            member_id=pair.member_id).exists():
        raise Http404("未找到")
    return meeting, pair


@login_required
@require_http_methods(["GET", "POST"])
def relay_new(request, pk: int, pair: int):
    """Relay a meeting to one mobile member: a note, a link, a photo; then the confirmation link to send them."""
    meeting, pair = _relay_target(request, pk, pair)
    relay = Relay.objects.filter(meeting=meeting, pair=pair).first()
    form = None
    if relay is None:
        if request.method == "POST":
            form = RelayForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data

                def work() -> dict:
                    made = services.relay_meeting(actor=Actor.from_request(request), meeting=meeting, pair=pair,
                                                  note=data["note"], link=data["link"], photo=data["photo"])
                    return {"relay": made.pk}

                done = run_form_once(request, form, action=services.RELAY_CREATE, work=work)
                if done:
                    if not done.replayed:
                        messages.success(request, f"已向{pair.member.name}传达，请把下面的链接发给本人确认")
                    return redirect("pairing-relay-new", pk=meeting.pk, pair=pair.pk)
        else:
            form = RelayForm()
    link = None
    if relay is not None:
        link = request.build_absolute_uri(reverse("pairing-relay-confirm", args=[selectors.relay_token(relay)]))
    return render(request, "pairing/relay_new.html", {
        "meeting": meeting, "pair": pair, "relay": relay, "form": form, "link": link,
        "state": selectors.RELAY_STATES[selectors.relay_state(relay)],
    }, status=422 if form is not None and form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def relay_confirm(request, token: str):
    """The mobile member's page, no account: the meeting's topic and day, the note, the link; "我已阅读"."""
    if request.method == "POST":
        services.confirm_relay(token=token, actor=Actor.from_request(request))
        return redirect("pairing-relay-confirm", token=token)
    relay = selectors.relay_for_token(token)
    if relay is None:
        raise Http404("链接无效或已过期")
    response = render(request, "pairing/relay_confirm.html", {
        "relay": relay, "meeting": relay.meeting, "masked_name": mask_name(relay.pair.member.name),
    })
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of the Referer sent to the relayed link
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------------- end of cloud branch
