"""The shop's domain: users, orders and the rules between them. No I/O here."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class DuplicateEmailError(Exception):
    """Another user already has this email address (compared case-insensitively)."""


class UnknownOwnerError(Exception):
    """The would-be owner of an order is not a user here (deleted since the token was issued)."""


class InvalidTransitionError(Exception):
    """The order cannot move from its status to the requested one."""

    def __init__(self, current: OrderStatus, requested: OrderStatus) -> None:
        super().__init__(f"an order cannot go from {current} to {requested}")
        self.current = current
        self.requested = requested


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix time in milliseconds, then random bits, so ids
    sort by creation and new rows land at the end of their index."""
    millis = time.time_ns() // 1_000_000
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | secrets.randbits(80)
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # the RFC's variant
    return uuid.UUID(int=value)


@dataclass(frozen=True, slots=True)
class User:
    id: uuid.UUID
    email: str
    name: str
    role: Role
    password_hash: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(cls, email: str, name: str, role: Role, password_hash: str | None) -> User:
        created = now()
        return cls(new_id(), email, name, role, password_hash, created, created)

    def with_changes(self, changes: UserChanges, at: datetime) -> User:
        return replace(
            self,
            email=self.email if changes.email is None else changes.email,
            name=self.name if changes.name is None else changes.name,
            role=self.role if changes.role is None else changes.role,
            password_hash=changes.password_hash or self.password_hash,
            updated_at=at,
        )


@dataclass(frozen=True, slots=True)
class UserChanges:
    """The fields a PATCH gave; None leaves a field as it is stored."""

    email: str | None = None
    name: str | None = None
    role: Role | None = None
    password_hash: str | None = None

    @property
    def ends_sessions(self) -> bool:
        """A new password or role: refresh tokens issued before it must not outlive it."""
        return self.password_hash is not None or self.role is not None


@dataclass(frozen=True, slots=True)
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price_cents: int

    @property
    def line_total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True, slots=True)
class Order:
    id: uuid.UUID
    user_id: uuid.UUID
    status: OrderStatus
    currency: str
    items: tuple[OrderItem, ...]
    created_at: datetime
    updated_at: datetime
    total_cents: int = field(init=False)

    def __post_init__(self) -> None:
        # Totals are always the server's arithmetic on integer cents, never a client's claim.
        object.__setattr__(self, "total_cents", sum(item.line_total_cents for item in self.items))

    @classmethod
    def place(cls, user_id: uuid.UUID, currency: str, items: tuple[OrderItem, ...]) -> Order:
        created = now()
        return cls(new_id(), user_id, OrderStatus.PENDING, currency, items, created, created)

    def moved_to(self, status: OrderStatus) -> Order:
        if status not in TRANSITIONS[self.status]:
            raise InvalidTransitionError(self.status, status)
        return replace(self, status=status, updated_at=now())
