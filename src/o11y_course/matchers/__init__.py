"""Matchers: functions from plain observation data to "ok" or a teaching failure."""
