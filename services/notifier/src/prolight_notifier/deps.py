"""Request dependencies as `Annotated` aliases that route signatures take directly."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from prolight.platform.bus import Bus
from prolight_notifier.hub import Hub
from prolight_notifier.settings import NotifierSettings

__all__ = ["BusDep", "HubDep", "SettingsDep"]


def _settings(conn: HTTPConnection) -> NotifierSettings:
    settings: NotifierSettings = conn.app.state.settings
    return settings


def _hub(conn: HTTPConnection) -> Hub:
    hub: Hub = conn.app.state.hub
    return hub


def _bus(conn: HTTPConnection) -> Bus:
    bus: Bus = conn.app.state.bus
    return bus


SettingsDep = Annotated[NotifierSettings, Depends(_settings)]
HubDep = Annotated[Hub, Depends(_hub)]
BusDep = Annotated[Bus, Depends(_bus)]
