"""Scenario drivers: code that runs inside the sandbox child and drives the learner's code.

A driver is ``run(ctx, params) -> dict`` where the dict is plain JSON data (the observation).
"""
