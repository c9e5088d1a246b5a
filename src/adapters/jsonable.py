"""Activity metadata as a JSON column keeps it: every storage backend stores and returns this form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def jsonable(metadata: Mapping[str, object] | None) -> dict[str, Any]:
    """``metadata`` as plain JSON data (Decimals and datetimes become strings), as a database keeps it."""
    if not metadata:
        return {}

    def default(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)  # Decimal, enums, ids: their string form is the useful one

    loaded: dict[str, Any] = json.loads(json.dumps(dict(metadata), default=default))
    return loaded
