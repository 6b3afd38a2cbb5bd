from grassroots.audit.context import Actor


def load_demo_meetings(*, actor: Actor) -> None:
    """Filled in by the meetings work."""
