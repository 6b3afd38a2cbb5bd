"""Signing in for apps: personal access tokens (docs/api.md "Signing in").

    POST   /api/auth/tokens/                 username (or mobile) + password + device name → a token, shown once
    GET    /api/auth/tokens/                 the caller's tokens (never their secrets)
    DELETE /api/auth/tokens/{id}/            revoke one of them (the account page does the same)
    DELETE /api/auth/tokens/current/         sign out: revoke the token this request carries
    GET    /api/auth/me/                     the account and its roles, as every route sees them
"""

from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from grassroots.access import selectors, services
from grassroots.access.models import ApiToken
from grassroots.api.common import AreaRef, Cursor, Limit, Page, page, position_of
from grassroots.api.errors import ErrorOut, StrictIn, api_errors, error_response
from grassroots.api.ids import ObjectId
from grassroots.audit.context import Actor
from grassroots.rules.roles import ROLE_LABELS, Role

router = Router(tags=["登录与令牌"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SignInIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150, description="用户名或手机号")
    password: str = Field(..., min_length=1, max_length=128)
    device_name: str = Field(..., min_length=1, max_length=60, description="设备名称，如“张三的手机”，在账号页用于识别和吊销")


class RoleOut(Schema):
    role: str
    role_label: str
    area: AreaRef
    organisation_id: int | None


class AccountOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[RoleOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="令牌的前几个字符，用于识别")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    current: bool = Field(..., description="是否为本次请求所用的令牌")


class SignedInOut(Schema):
    token: str = Field(..., description="令牌本身，只在此处出现一次；放在 Authorization: Bearer <令牌> 中")
    token_info: TokenOut
    account: AccountOut


def _account(user) -> dict:
    roles = [{"role": a.role, "role_label": str(ROLE_LABELS.get(Role(a.role), a.role)),
              "area": {"code": a.area.code, "name": a.area.name}, "organisation_id": a.organisation_id}
             for a in user.assignments.select_related("area").order_by("area__path", "role")]
    return {"id": user.pk, "username": user.username, "display_name": user.display_name, "roles": roles}


def _token(token: ApiToken, request) -> dict:
    current = getattr(request, "api_token", None)
    return {"id": token.pk, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
            "last_used_at": token.last_used_at, "revoked_at": token.revoked_at,
            "current": current is not None and current.pk == token.pk}


@router.post("/tokens/", auth=None, response={201: SignedInOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             summary="登录：以用户名（或手机号）和密码换取令牌")
@api_errors
def sign_in(request, payload: SignInIn):
    """与登录页相同的规则：同一网络地址或同一账号连续失败会被暂停（429，带 Retry-After），每次尝试都记入审计。
    令牌只在此次回复中出现；服务器只保存其摘要。"""
    try:
        token, secret = services.sign_in_for_token(request=request, identifier=payload.username,
                                                   password=payload.password, device_name=payload.device_name)
    except services.LoginRefused as refused:
        if refused.retry_after:
            response = error_response(429, str(refused), code="login_locked")
            response["Retry-After"] = str(refused.retry_after)
            return response
        return error_response(401, str(refused), code="login_refused")
    return Status(201, {"token": secret, "token_info": _token(token, request), "account": _account(token.user)})


@router.get("/me/", response={200: AccountOut, 401: ErrorOut}, summary="当前账号及其角色")
def me(request):
    return _account(request.user)


@router.get("/tokens/", response={200: Page(TokenOut), 401: ErrorOut, 422: ErrorOut}, summary="我的令牌")
@api_errors
def list_tokens(request, limit: Limit = 50, cursor: Cursor = None):
    position = position_of(cursor)
    rows = list(selectors.tokens_of(request.user)[position:position + limit + 1])
    return page([_token(t, request) for t in rows], limit, position)


def _revoke(request, token: ApiToken) -> HttpResponse:
    services.revoke_token(actor=Actor.from_request(request), token=token)
    return HttpResponse(status=204)


@router.delete("/tokens/current/", response={204: None, **ERRORS}, summary="退出登录：吊销本次请求所用的令牌")
@api_errors
def revoke_current(request):
    token = getattr(request, "api_token", None)
    if token is None:
        return error_response(409, "本次请求未使用令牌（网页会话请在网页上退出登录）", code="no_token")
    return _revoke(request, token)


@router.delete("/tokens/{token_id}/", response={204: None, **ERRORS}, summary="吊销我的一个令牌")
@api_errors
def revoke(request, token_id: ObjectId):
    """吊销后，持该令牌的下一个请求即回复 401。"""
    return _revoke(request, get_object_or_404(ApiToken, pk=token_id, user=request.user))
