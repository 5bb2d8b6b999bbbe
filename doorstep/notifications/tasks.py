"""Background work of the notifications app (Celery; eager in-process without Redis)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from . import services

#: Retries after the first attempt (so at most ``MAX_RETRIES + 1`` attempts per delivery).
MAX_RETRIES = 5


class DeliveryFailed(Exception):
    """At least one channel failed this attempt; Celery retries the task with backoff."""


class _EagerRetryingTask(Task):  # type: ignore[misc]
    """Retries also work when tasks run in-process (no Redis).

    Celery runs an eager retry by calling ``apply`` again, but with
    ``task_eager_propagates`` the first ``Retry`` escapes instead. Here ``apply`` never
    propagates: retries recurse immediately (no backoff in-process) and a final failure becomes
    a FAILURE result, exactly as a worker would record it.
    """

    def apply(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        options["throw"] = False
        return super().apply(args, kwargs, **options)


@shared_task(
    base=_EagerRetryingTask,
    bind=True,
    name="doorstep.notifications.tasks.deliver",
    autoretry_for=(DeliveryFailed,),
    max_retries=MAX_RETRIES,
    retry_backoff=5,  # seconds: 5, 10, 20, 40, 80 (with jitter), capped below
    retry_backoff_max=600,
    retry_jitter=True,
    acks_late=True,
)
def deliver(self: Any, notification_id: int) -> dict[str, list[str]]:
    """Send one notification over each channel still queued for it."""
    final = self.request.retries >= self.max_retries
    outcome = services.attempt_deliveries(notification_id=notification_id, final_attempt=final)
    if outcome.retrying:
        raise DeliveryFailed(",".join(outcome.retrying))
    return outcome.as_dict()


@shared_task(name="doorstep.notifications.tasks.requeue_stalled")
def requeue_stalled() -> int:
    """Queue again deliveries left ``queued`` (e.g. the broker was down at commit)."""
    return services.requeue_stalled()


@shared_task(name="doorstep.notifications.tasks.purge_old_read")
def purge_old_read() -> int:
    """Daily: delete read in-app notifications older than the retention period."""
    return services.purge_old_read()
