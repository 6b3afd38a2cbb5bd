"""How a caller proves who they are to the JSON API (docs/api.md "Signing in").

* ``Authorization: Bearer <token>``: a personal access token (access.models.ApiToken), for apps. No CSRF:
  a browser never sends the header by itself, so a forged cross-site request cannot carry it.
* The session cookie of the pages, for the pages' own scripts: with Django's CSRF check (``X-CSRFToken``).

A bearer header that names no live token is refused outright (401), never tried as a session: an app whose
token was revoked must learn it on its next request, even from a browser that also holds a cookie.
"""

from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security import django_auth as _session

from grassroots.access import selectors


class TokenAuth(HttpBearer):
    openapi_description = "个人访问令牌：POST /api/auth/tokens/ 以用户名和密码换取，放在 Authorization: Bearer <令牌> 中"

    def authenticate(self, request, token: str):
        user, api_token = selectors.user_for_token(token)
        if user is None:
            raise AuthenticationError(401, "令牌无效、已吊销或账号已停用，请重新登录")
        request.user = user  # request.current_area (access.middleware) is lazy and reads it when first asked
        request.api_token = api_token
        return user


class SessionAuth(APIKeyCookie):
    """The pages' session cookie with Django's CSRF check on writes; skipped when a bearer token is sent."""

    param_name = _session.param_name
    openapi_description = "网页会话（sessionid Cookie）；写操作须带 X-CSRFToken 请求头。仅供本站网页脚本使用"

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return _session.authenticate(request, key)


token_auth = TokenAuth()
session_auth = SessionAuth()
API_AUTH = [token_auth, session_auth]
