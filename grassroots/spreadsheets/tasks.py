"""The imports' tasks (core/tasks.py): run by `grassroots worker`."""

from grassroots.audit.context import Actor
from grassroots.spreadsheets import services


def run_import(job_id: int, actor: dict) -> None:
    """Check and import one uploaded register. Safe to run twice: only a job still queued is taken."""
    services.run_import(job_id=job_id, actor=Actor.from_task(actor))


def fail_interrupted() -> dict:
    """Every minute: imports whose worker died end visibly failed, and their uploads are deleted."""
    return {"failed": services.fail_interrupted()}


def run_export(job_id: int, actor: dict) -> None:
    """Build one queued export of a large area's register."""
    services.run_export(job_id=job_id, actor=Actor.from_task(actor))


def expire_exports() -> dict:
    """Every hour: exports built more than EXPORT_KEEP_HOURS ago lose their file."""
    return {"expired": services.expire_exports()}


def expire_import_reports() -> dict:
    """Every hour: problem reports of imports that ended more than IMPORT_REPORT_KEEP_DAYS ago are deleted."""
    return {"expired": services.expire_import_reports()}
