from django.utils.functional import SimpleLazyObject

SESSION_KEY = "current_area_code"


def _current_area(request):
    """The area the caller is working in: chosen with the area switcher, else their outermost one."""
    from grassroots.areas.models import Area
    from grassroots.areas.selectors import root_areas

    user = request.user
    if not user.is_authenticated:
        return None
    code = request.session.get(SESSION_KEY)
    if code:
        from grassroots.access.scope import visible

        area = visible(user, Area.objects.filter(code=code)).first()
        if area is not None:
            return area
    return root_areas(user).first()


class CurrentAreaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.current_area = SimpleLazyObject(lambda: _current_area(request))
        return self.get_response(request)
