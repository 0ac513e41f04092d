"""Settings package: base.py is shared; local, production and test build on it."""
