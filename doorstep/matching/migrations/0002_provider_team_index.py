"""An index for the matching team scan (ADR 0020 addendum): the institution's providers
by home latitude, covering (PostgreSQL ``INCLUDE``) every column the screen and the score
read, so the bounding-box scan can be index-only. On ``workforce_provider``, created here
because the matching app is its only user; SQLite gets the plain two-column index."""

from django.db import migrations

NAME = "matching_provider_team_idx"
COVERED = (
    "id, home_lng, is_active, verification_status, kind, service_radius_km, transport_mode,"
    " gender, max_daily_minutes, languages, user_id"
)


def create(apps, schema_editor):  # noqa: ARG001
    include = f" INCLUDE ({COVERED})" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON workforce_provider (institution_id, home_lat)"
        f"{include}"
    )


def drop(apps, schema_editor):  # noqa: ARG001
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("workforce", "0002_provider_gender_provider_max_daily_minutes"),
    ]

    operations = [migrations.RunPython(create, drop)]
