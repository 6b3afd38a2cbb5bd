"""Writes of the Open311 endpoint. API keys are created and revoked here (with their audit records); a service
request becomes a demand through demands.services.create_demand, which routes, starts the clocks and audits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.demands import services as demand_services
from grassroots.demands.models import Category, Demand
from grassroots.demands.open311.models import Open311Client, Open311Filing

KEY_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
MAX_KEY_LENGTH = 200


def key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _new_key() -> str:
    """A random key whose prefix does not begin with "-": the prefix is typed as an argument
    (`open311_client deactivate <prefix>`), where a leading "-" reads as an option (1 key in 64 did)."""
    while True:
        raw_key = secrets.token_urlsafe(KEY_BYTES)
        if not raw_key.startswith("-"):
            return raw_key


@transaction.atomic
def create_client(*, actor: Actor, name: str, area: Area) -> tuple[Open311Client, str]:
    """A new client and its key. The key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写接入方名称")
    if len(name) > 100:
        raise ValidationError("接入方名称不能超过100字")
    raw_key = _new_key()
    client = Open311Client.objects.create(name=name, key_prefix=raw_key[:8], key_digest=key_digest(raw_key),
                                          area=area)
    record(actor=actor, action="open311.client.create", obj=client, area_path=area.path,
           data={"name": name, "key_prefix": client.key_prefix, "area": area.code})
    return client, raw_key


@transaction.atomic
def deactivate_client(*, actor: Actor, client: Open311Client) -> Open311Client:
    """Revoke a client's key: its next request is refused (403), whatever it is. Revoking twice records once."""
    client = Open311Client.objects.select_for_update().select_related("area").get(pk=client.pk)
    if client.is_active:
        client.is_active = False
        client.save(update_fields=["is_active"])
        record(actor=actor, action="open311.client.deactivate", obj=client, area_path=client.area.path,
               data={"name": client.name, "key_prefix": client.key_prefix})
    return client


def authenticate(raw_key: str | None) -> Open311Client | None:
    """The active client holding ``raw_key``; None for a missing, unknown or revoked key alike."""
    if not raw_key or len(raw_key) > MAX_KEY_LENGTH:
        return None
    return (Open311Client.objects.select_related("area")
            .filter(key_digest=key_digest(raw_key), is_active=True).first())


@dataclass(frozen=True)
class Filing:
    """A parsed, checked POST: everything create_demand needs."""

    category: Category
    area: Area
    text: str
    kind: str = Demand.Kind.DEMAND
    urgent: bool = False
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    media_url: str = ""
    idempotency_key: str = ""


@transaction.atomic
def file_request(*, actor: Actor, client: Open311Client, filing: Filing) -> Demand:
    """File a demand on behalf of ``client`` (channel open311), and keep what GeoReport returns beyond the demand
    (the client, its media_url). A retried POST with the same idempotency key gives the same demand once: the key
    is namespaced by the client so two clients never collide."""
    key = f"o311:{client.pk}:{filing.idempotency_key}" if filing.idempotency_key else ""
    demand = demand_services.create_demand(
        actor=actor, kind=filing.kind, text=filing.text, area=filing.area, channel=Demand.Channel.OPEN311,
        category=filing.category, urgent=filing.urgent, address=filing.address, latitude=filing.latitude,
        longitude=filing.longitude, contact_name=filing.contact_name, contact_phone=filing.contact_phone,
        idempotency_key=key)
    _, created = Open311Filing.objects.get_or_create(demand=demand,
                                                     defaults={"client": client, "media_url": filing.media_url})
    if created:
        record(actor=actor, action="open311.request.file", obj=demand,
               data={"client": client.name, "key_prefix": client.key_prefix, "media_url": filing.media_url})
    return demand
