"""The care records shown on an elder's pages: what providers documented at each visit."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from doorstep.orders.selectors import records_of_elder


def care_records(elder_id: int, *, limit: int = 20, photos: bool = False) -> list[dict[str, Any]]:
    """The newest ``limit`` service records of an elder, with labels in the page language;
    with ``photos``, each record's photos too (ids for ``web:record_photo``).

    The caller has already looked the elder up through ``people.access`` (so the read is
    scoped and audited)."""
    english = (get_language() or "").startswith("en")
    rows = []
    records = records_of_elder(elder_id)
    if photos:
        records = records.prefetch_related("visit__photos")
    for record in records[:limit]:
        item = record.visit.order.item
        labels = {
            field["key"]: field.get("label_en" if english else "label_zh", field["key"])
            for field in item.documentation_template or []
        }
        values = []
        for key, entry in (record.values or {}).items():
            value = entry.get("value") if isinstance(entry, dict) else entry
            unit = entry.get("unit", "") if isinstance(entry, dict) else ""
            if value is True or value is False:
                value = "✓" if value else "✗"
            loinc = entry.get("loinc", "") if isinstance(entry, dict) else ""
            values.append(
                {"label": labels.get(key, key), "value": value, "unit": unit, "loinc": loinc}
            )
        provider = record.visit.provider
        rows.append(
            {
                "at": record.submitted_at,
                "item": item.name_en if english else item.name_zh,
                "provider": (provider.user.display_name or provider.user.username)
                if provider
                else "",
                "values": values,
                "notes": record.notes,
                "photos": [
                    {"id": p.pk, "label": labels.get(p.key, p.key)}
                    for p in record.visit.photos.all()
                ]
                if photos
                else [],
            }
        )
    return rows
