"""Users.

The tables of each answer come in a revision of their own, and a revision once emitted is never
edited: `backend-scaffold update` that switches an answer on adds revisions (see migrate.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("role IN ('user', 'admin')", name="users_role_check"),
    )
    op.create_index("users_email_lower_key", "users", [sa.text("lower(email)")], unique=True)
    op.create_index("users_created_at_id_idx", "users", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("users")
