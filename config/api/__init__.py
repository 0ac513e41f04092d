"""API helpers that every app's api/ shares: pagination, strict input, the quota shape."""

# Set by the token authentication (config/api/authentication.py) on the user object it builds for one request,
# whose seat and organisation it read in the same query; employers.selectors.get_active_seat reuses only those.
SEAT_READ_WITH_USER = "seat_read_with_user"
