"""The demo county's pairs and visits (filled in by the pairing demo work)."""

from grassroots.audit.context import Actor


def load_demo_pairing(*, actor: Actor) -> None:
    """Idempotent: a second run finds the pairs and changes nothing."""
