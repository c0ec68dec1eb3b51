"""backend-scaffold: production-grade backend services with their decisions written down."""

from __future__ import annotations

__version__ = "0.1.0"
