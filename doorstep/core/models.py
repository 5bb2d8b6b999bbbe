"""Base models and the append-only, hash-chained audit log (ADR 0006)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditChainHead(models.Model):
    """The last link of one audit chain. Locked while a row is appended to its partition."""

    partition = models.CharField(max_length=64, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.partition}@{self.seq}"


class AuditEvent(models.Model):
    """One audit row. Never updated or deleted; ``hash`` chains it to the previous row."""

    partition = models.CharField(
        max_length=64,
        help_text="Chain partition: 'inst:<id>' for an institution's data, 'platform' otherwise.",
    )
    seq = models.BigIntegerField(help_text="Position in the partition's chain, from 1.")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    changed_fields = models.JSONField(default=list, help_text="Names of fields that changed.")
    details = models.JSONField(default=dict, help_text="Non-personal context (codes, counts).")
    client_addr = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partition", "seq"], name="audit_partition_seq_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.partition}#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Audit rows are append-only.")
