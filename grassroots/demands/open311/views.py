"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) on categories and demands, under /open311/v2/.
docs/open311.md says what is implemented, field by field, and every extension.

    GET  discovery.{json,xml}                 the endpoint's description
    GET  services.{json,xml}                  active leaf categories
    GET  services/{service_code}.{json,xml}   a service definition: attributes kind and urgent
    GET  requests.{json,xml}                  demands: service_request_id | service_code, status, start_date, end_date
    POST requests.{json,xml}                  file a demand (api_key); answers service_request_id (no token)
    GET  requests/{id}.{json,xml}             one demand
    GET  tokens/{token}.{json,xml}            extension: the id of the demand with this tracking code

Reads are public and show only what serializers.request allows; a key holder reads its own area's requests in
full. A POST needs the api_key of an active Open311Client and files only in that client's area. Errors are
GeoReport error arrays with the spec's statuses: 404 a resource or service_code that does not exist, 403 a
missing, unknown or revoked key or an area beyond it, 400 anything else (an Idempotency-Key reused with other
fields included); beyond the spec, 405 a wrong method (with Allow) and 429 too many look-ups of tokens (with
Retry-After). jurisdiction_id is accepted and ignored: one deployment is one jurisdiction.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from grassroots.audit.context import Actor
from grassroots.core import idempotency, ratelimit
from grassroots.core.errors import unstorable_parameter
from grassroots.core.idempotency import IDEMPOTENCY_HEADER
from grassroots.demands.models import Demand
from grassroots.demands.open311 import params, serializers, services
from grassroots.demands.open311.params import Open311Error
from grassroots.rules import tracking

MAX_RESULTS = 1000  # the spec: "Default query limit is a span of 90 days or first 1000 requests returned"; newest first


def georeport(*methods: str):
    """Allow ``methods``; turn Open311Error (and a service's ValidationError) into error arrays."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            try:
                allowed = (*methods, "HEAD") if "GET" in methods else methods
                if request.method not in allowed:
                    response = serializers.render_errors(
                        [serializers.error(405, f"不支持 {request.method}，请用 {'、'.join(methods)}")], fmt, status=405)
                    response["Allow"] = ", ".join(allowed)
                    return response
                if found := unstorable_parameter(request, (*args, *kwargs.values()), multipart=True):
                    where, name, reason = found
                    if where == "path":
                        raise Open311Error(404, "未找到")
                    raise Open311Error(400, f"{name}：{reason}")
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                response = serializers.render_errors([serializers.error(exc.status, exc.description)], fmt,
                                                     status=exc.status)
                if exc.retry_after is not None:
                    response["Retry-After"] = str(max(exc.retry_after, 1))
                return response
            except ValidationError as exc:
                return serializers.render_errors([serializers.error(400, m) for m in exc.messages], fmt, status=400)
        checked = csrf_exempt(wrapper)
        checked.checks_own_parameters = True  # answered above as a GeoReport error, not by the middleware
        return checked
    return decorate


def _api_key(request) -> str:
    return (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()


def _client(request, *, required: bool):
    """The client of the request's api_key; 403 when one is required and missing, or given but not valid."""
    raw = _api_key(request)
    if not raw and not required:
        return None
    client = services.authenticate(raw)
    if client is None:
        raise Open311Error(403, "API 密钥缺失、无效或已停用" if raw else "提交诉求需要 api_key")
    return client


def _requests_queryset():
    return Demand.objects.select_related("category", "lead_unit", "area", "area__parent", "open311_filing")


def _render_requests(demands, fmt: str, client, *, status: int = 200):
    documents = [serializers.request(d, in_full=client is not None and d.path.startswith(client.area.path))
                 for d in demands]
    return serializers.render(documents, fmt, root="service_requests", status=status)


@georeport("GET")
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311-discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    return serializers.render(serializers.discovery(base), fmt, root="discovery")


@georeport("GET")
def services_list(request, fmt: str):
    return serializers.render([serializers.service(c) for c in serializers.service_categories()], fmt,
                              root="services")


@georeport("GET")
def service_definition(request, code: str, fmt: str):
    category = next((c for c in serializers.service_categories() if c.code == code), None)
    if category is None:
        raise Open311Error(404, f"service_code “{code[:40]}” 不存在")
    return serializers.render(serializers.service_definition(category), fmt, root="service_definition")


@georeport("GET", "POST")
def requests_list(request, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    client = _client(request, required=False)
    query = params.parse_query(request.GET)
    qs = _requests_queryset()
    if query.ids:
        qs = qs.filter(pk__in=query.ids)
    else:
        qs = qs.filter(created_at__gte=query.start, created_at__lte=query.end)
        if query.service_codes:
            codes, unclassified = params.category_filter(query.service_codes)
            qs = qs.filter(Q(category__code__in=codes) | (Q(category__isnull=True) if unclassified else Q(pk__in=[])))
        if query.statuses:
            qs = qs.filter(status__in=params.status_filter(query.statuses))
    return _render_requests(qs.order_by("-created_at", "-id")[:MAX_RESULTS], fmt, client)


def _create(request, fmt: str):
    """File a demand. With an Idempotency-Key the one idempotency mechanism (core/idempotency.py) runs it
    once per (client, key): the same POST again answers the first reply with ``Idempotent-Replayed: true``,
    the same key with other fields is refused (400), a refusal stores nothing."""
    client = _client(request, required=True)
    filing = params.parse_filing(request.POST, client=client, service_categories=serializers.service_categories())
    actor = Actor.from_request(request)
    actor = Actor(user=None, name=f"Open311:{client.name}"[:150], ip=actor.ip, user_agent=actor.user_agent)

    def work() -> dict:
        demand = services.file_request(actor=actor, client=client, filing=filing)
        return serializers.created(_requests_queryset().get(pk=demand.pk))

    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()[:100]
    fields = {name: values for name, values in request.POST.lists() if name != "api_key"}
    try:
        status, body, replayed = idempotency.reply_once(
            user=None, owner=f"open311:{client.pk}", key=key, action="demands.open311.create", status=201,
            request_fingerprint=idempotency.fingerprint(request.path, fields), work=work)
    except idempotency.IdempotencyConflict as exc:
        # The spec: "basically 400 for any other error where the request can not be fulfilled as expected".
        raise Open311Error(400, f"Idempotency-Key：{exc}") from None
    response = serializers.render([body], fmt, root="service_requests", status=status)
    if replayed:
        response[idempotency.REPLAYED_HEADER] = "true"
    return response


@georeport("GET")
def request_detail(request, pk: str, fmt: str):
    client = _client(request, required=False)
    demand = _requests_queryset().filter(pk=int(pk)).first() if pk.isdigit() and len(pk) <= 18 else None
    if demand is None:
        raise Open311Error(404, f"service_request_id “{pk[:20]}” 不存在")
    return _render_requests([demand], fmt, client)


@georeport("GET")
def token(request, token: str, fmt: str):
    decision = ratelimit.check(request, "demands:track")
    if not decision.allowed:
        raise Open311Error(429, "查询过于频繁，请稍后再试", retry_after=decision.retry_after)
    code = tracking.normalize(token)
    demand = Demand.objects.filter(tracking_code=code).only("pk").first() if tracking.is_well_formed(code) else None
    if demand is None:
        raise Open311Error(404, "token 不存在")
    return serializers.render([serializers.token(code, demand)], fmt, root="service_requests")


@csrf_exempt
def not_found(request, rest: str = ""):
    fmt = "xml" if rest.endswith(".xml") else "json"
    return serializers.render_errors([serializers.error(404, "没有这个接口：请见 discovery.json")], fmt, status=404)
