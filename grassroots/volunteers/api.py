"""The volunteer service's JSON API (mounted at /api/volunteers): sites, teams, volunteers, activities, sign-ups
(idempotent), check-in and check-out, hours. Same conventions as the other routers (docs/conventions.md)."""

from ninja import Router

router = Router(tags=["志愿服务"])


# ================================================================================================ sites, teams, volunteers (section A)


# ================================================================================================ activities, sign-ups, check-in/out, hours (section B)


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points (section D)
