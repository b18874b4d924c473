"""o11y-course: autograded exercises on metrics, logs and traces."""

__version__ = "0.1.0"
