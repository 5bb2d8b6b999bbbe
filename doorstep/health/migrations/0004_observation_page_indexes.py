"""The record page's indexes on observations (ADR 0028): valid readings of an elder newest
first, covering kind and values, for the timeline and the charts' range queries; the
newest reading and the latest void of an elder, for the charts' cache key."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0003_care_plans"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="observation",
            index=models.Index(
                condition=models.Q(("status", "final")),
                fields=["elder", "-measured_at", "-id"],
                include=["kind", "value", "value2"],
                name="health_obs_elder_time_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="observation",
            index=models.Index(fields=["elder", "-id"], name="health_obs_elder_newest_idx"),
        ),
        migrations.AddIndex(
            model_name="observation",
            index=models.Index(
                condition=models.Q(("status", "entered_in_error")),
                fields=["elder", "voided_at"],
                name="health_obs_elder_void_idx",
            ),
        ),
    ]
