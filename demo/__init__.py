"""Demo data for `make run`: the one app allowed to import every other, because it seeds them all."""
