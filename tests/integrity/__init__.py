"""Integrity tests: hostile submissions get a fair, explained score, in bounded time, leaving no process behind."""
