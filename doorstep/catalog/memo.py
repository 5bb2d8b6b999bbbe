"""The catalogue's memo (ADR 0018; mechanism in ``doorstep.core.memo``).

Quotes and orders read the same few rows on every request: the pricing policy and the
price cap of the elder's region, the offerings of an item there, the item itself. They
change only when an administrator edits the catalogue; any committed save or delete of a
policy, cap, offering, item, institution or region bumps the generation (``apps.py``).
"""

from __future__ import annotations

from doorstep.core.memo import memo

CATALOG = memo("catalog")
remember = CATALOG.remember
bump = CATALOG.bump
