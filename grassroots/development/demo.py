from grassroots.audit.context import Actor


def load_demo_development(*, actor: Actor) -> None:
    """Filled in by the development work."""
