"""Storage of relay logs."""
