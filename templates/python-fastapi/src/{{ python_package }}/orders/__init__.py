"""Orders: placed by a user, priced by the server, moved through allowed statuses only."""
