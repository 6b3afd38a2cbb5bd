"""Every app's table of who may do what, read once, the one way access needs: role → capabilities.

Each app declares ``GRANTS`` (capability → roles) in its capabilities.py; a new app adds its table here.
Nothing changes the result at run time.
"""

from grassroots.dashboards import capabilities as dashboards
from grassroots.demands import capabilities as demands
from grassroots.pairing import capabilities as pairing
from grassroots.party import capabilities as party
from grassroots.points import capabilities as points
from grassroots.rules import roles
from grassroots.shop import capabilities as shop
from grassroots.volunteers import capabilities as volunteers

TABLES = {"residents": roles.GRANTS, "points": points.GRANTS, "shop": shop.GRANTS, "demands": demands.GRANTS,
          "party": party.GRANTS,
          "pairing": pairing.GRANTS, "volunteers": volunteers.GRANTS, "dashboards": dashboards.GRANTS}

CAPABILITIES: dict[roles.Role, frozenset[str]] = roles.capabilities_by_role(*TABLES.values())
