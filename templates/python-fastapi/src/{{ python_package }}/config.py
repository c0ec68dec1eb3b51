"""Typed settings, read once at start-up from the environment (and `.env` for local runs)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class ConfigError(Exception):
    """The environment does not describe a runnable service."""


class Settings(BaseSettings):
    """Every setting the service reads. Variables set in the environment win over `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    app_port: int = Field(default=8080, ge=0, le=65535, validation_alias="APP_PORT")
    log_level: LogLevel = Field(default="info", validation_alias="LOG_LEVEL")
    shutdown_timeout: float = Field(default=20.0, gt=0, validation_alias="SHUTDOWN_TIMEOUT")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one message that names each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'settings'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
