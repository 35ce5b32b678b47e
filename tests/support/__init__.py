"""Builders and helpers shared by test modules (the tests folder is on the path)."""
