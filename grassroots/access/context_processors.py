from grassroots.access.scope import scope_of
from grassroots.rules import roles


def shell(request):
    """What every page's header needs: who is here, where they are, what they may do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    caps = scope.capabilities()
    return {
        "current_area": request.current_area,
        "role_labels": sorted({roles.ROLE_LABELS[roles.Role(r)] for r, _ in scope.assignments})
        or (["系统管理员"] if scope.everything else []),
        "can": {
            "import": roles.IMPORT_RESIDENTS in caps,
            "export": roles.EXPORT_RESIDENTS in caps,
            "audit": roles.VIEW_AUDIT in caps,
            "edit": roles.EDIT_RESIDENTS in caps,
            # Staff of a unit (a credit co-operative) hold no area role; asked only for them, and only
            # when the header is drawn (the template calls it).
            "credit_lookup": (lambda: user.unit_memberships.exists()) if not scope.assignments else False,
        },
    }
