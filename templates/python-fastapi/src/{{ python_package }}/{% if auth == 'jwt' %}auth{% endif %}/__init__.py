"""Registration, login, and refresh-token rotation with reuse detection."""
