"""System-wide settings (Salla client id and secret) stored encrypted in ``system_settings``.

``Config.with_stored_credentials`` reads them (a stored value wins over the environment's);
``salla-optimizer settings import-env`` copies the configured ones in.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pricing_core.ports import UnitOfWorkFactory

if TYPE_CHECKING:
    from adapters.config import Config

log = logging.getLogger(__name__)

# key -> (description, secret)
SALLA_SETTINGS: dict[str, tuple[str, bool]] = {
    "SALLA_CLIENT_ID": ("System-wide Salla OAuth Client ID", False),
    "SALLA_CLIENT_SECRET": ("System-wide Salla OAuth Client Secret", True),
}


def lookup_setting(uow_factory: UnitOfWorkFactory, key: str) -> str | None:
    """The setting stored in ``system_settings``, or None."""
    with uow_factory() as uow:
        return uow.system_settings.get(key)


def import_env_settings(uow_factory: UnitOfWorkFactory, config: Config, *, overwrite: bool = False) -> dict[str, str]:
    """Copy the configured SALLA_CLIENT_ID and SALLA_CLIENT_SECRET into ``system_settings``.

    Returns, per key, ``imported``, ``kept`` (already stored; ``overwrite`` replaces it) or
    ``missing`` (not in the environment). The secret is encrypted at rest.
    """
    configured = {"SALLA_CLIENT_ID": config.salla_client_id, "SALLA_CLIENT_SECRET": config.salla_client_secret}
    outcome: dict[str, str] = {}
    with uow_factory() as uow:
        for key, (description, secret) in SALLA_SETTINGS.items():
            value = configured.get(key) or None
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
