"""System-wide settings (Salla client id and secret): database first, environment as a fallback."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from pricing_core.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

# key -> (description, secret)
SALLA_SETTINGS: dict[str, tuple[str, bool]] = {
    "SALLA_CLIENT_ID": ("System-wide Salla OAuth Client ID", False),
    "SALLA_CLIENT_SECRET": ("System-wide Salla OAuth Client Secret", True),
}


def lookup_setting(uow_factory: UnitOfWorkFactory, key: str, env: Mapping[str, str] | None = None) -> str | None:
    """The setting from ``system_settings``; when absent, from the environment with a warning."""
    with uow_factory() as uow:
        value = uow.system_settings.get(key)
    if value is not None:
        return value
    env = os.environ if env is None else env
    fallback = env.get(key) or None
    if fallback is not None:
        log.warning("System credentials not in database, using environment fallback (%s)", key)
    return fallback


def import_env_settings(
    uow_factory: UnitOfWorkFactory, env: Mapping[str, str] | None = None, *, overwrite: bool = False
) -> dict[str, str]:
    """Copy SALLA_CLIENT_ID and SALLA_CLIENT_SECRET from the environment into ``system_settings``.

    Returns, per key, ``imported``, ``kept`` (already stored; ``overwrite`` replaces it) or
    ``missing`` (not in the environment). The secret is encrypted at rest.
    """
    env = os.environ if env is None else env
    outcome: dict[str, str] = {}
    with uow_factory() as uow:
        for key, (description, secret) in SALLA_SETTINGS.items():
            value = env.get(key) or None
            if value is None:
                outcome[key] = "missing"
            elif uow.system_settings.get(key) is not None and not overwrite:
                outcome[key] = "kept"
            else:
                uow.system_settings.set(key, value, description=description, secret=secret)
                outcome[key] = "imported"
        uow.commit()
    return outcome


__all__ = ["SALLA_SETTINGS", "import_env_settings", "lookup_setting"]
