from grassroots.audit.context import Actor


def load_demo_neworgs(*, actor: Actor) -> None:
    """Filled in by the neworgs work."""
