

urlpatterns = [
    # sites, teams, volunteers, public (section A)

    # activities, sign-ups, check-in, hours (section B)

    # rotas (section C)

    # hours → points, 双报到, 点单 (section D)
]
