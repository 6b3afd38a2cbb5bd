"""Fixtures the API's whole-document tests share (the fuzzer, the scoping walk)."""

import pytest
from django.apps import apps

# The model whose rows a path parameter names, where its name is not the parameter's (``household_id`` →
# areas.Household is found by name).
_MODELS = {"entry_id": "ledger.LedgerEntry", "signup_id": "volunteers.SignUp", "consent_id": "settlement.CreditConsent",
           "mobile_id": "members.MobileMember"}


def _model_for(parameter: str):
    label = _MODELS.get(parameter)
    if label:
        return apps.get_model(label)
    wanted = parameter.removesuffix("_id").replace("_", "")
    found = [m for m in apps.get_models() if m.__module__.startswith("grassroots") and m.__name__.lower() == wanted]
    return found[0] if len(found) == 1 else None


@pytest.fixture
def world(settings, region, households, homes, people, rules, notice, posted, party_world, volunteer_world,
          pairing_world):
    """The demo's shape in small: a village with households, people, rules, a posted notice, the party tree,
    volunteers and pairs. Returns a real value for each path parameter that names a row (the first row made, which
    the fixtures make in 赛沁塔拉嘎查); the fuzzer's requests come from ``localhost``."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    known = {"code": region["赛沁塔拉嘎查"].code, "token": notice.token}
    for parameter in ("household_id", "person_id", "claim_id", "notice_id", "rule_id", "entry_id", "objection_id",
                      "settlement_id", "consent_id", "shop_id", "product_id", "redemption_id", "organisation_id",
                      "member_id", "transfer_id", "mobile_id", "meeting_id", "development_id",
                      "new_organisation_id", "pair_id", "visit_id", "site_id", "team_id", "activity_id",
                      "signup_id", "rota_id"):
        model = _model_for(parameter)
        row = model.objects.order_by("pk").first() if model is not None else None
        if row is not None:
            known[parameter] = row.pk
    return known
