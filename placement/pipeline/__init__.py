"""Pipeline placement (issue 5) — in progress."""
