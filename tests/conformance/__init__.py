"""The black-box conformance suite: docs/contract.md checked against running services."""
