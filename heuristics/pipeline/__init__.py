"""Pipeline heuristics."""
