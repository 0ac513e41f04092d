"""API helpers that every app's api/ shares: pagination, strict input, the quota shape."""
