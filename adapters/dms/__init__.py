"""Local DMS delivery modes (drop folder)."""
