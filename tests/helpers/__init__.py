"""Helpers for the store, durability and benchmark tests: clock, actors, walks, a worker."""
