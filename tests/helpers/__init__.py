"""Helpers for the tests that need more than casekit: guide variants, a writer process."""
