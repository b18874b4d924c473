"""Real components the checks can run: the Prometheus server and promtool, on loopback only."""
