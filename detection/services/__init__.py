"""Detection's writes: running the detectors, acting on their flags, and operators' review."""
