"""Allow `python -m backend_scaffold`."""

from __future__ import annotations

from backend_scaffold.cli import main

raise SystemExit(main())
