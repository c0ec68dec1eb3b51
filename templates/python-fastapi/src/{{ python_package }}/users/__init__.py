"""Users: accounts, their owners and their administrators."""
