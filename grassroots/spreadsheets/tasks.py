"""The imports' tasks (core/tasks.py): run by `grassroots worker`."""

from grassroots.audit.context import Actor
from grassroots.spreadsheets import services


def run_import(job_id: int, actor: dict) -> None:
    """Check and import one uploaded register. Safe to run twice: only a job still queued is taken."""
    services.run_import(job_id=job_id, actor=Actor.from_task(actor))


def fail_interrupted() -> dict:
    """Every minute: imports whose worker died end visibly failed, and their uploads are deleted."""
    return {"failed": services.fail_interrupted()}
