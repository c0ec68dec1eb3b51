"""Refresh tokens: what is stored of one, and when it may be exchanged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RefreshToken:
    token_hash: str
    family_id: uuid.UUID
    user_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, at: datetime) -> bool:
        """Neither used, revoked nor expired: it may be exchanged, once, for a successor."""
        return self.used_at is None and self.revoked_at is None and at < self.expires_at
