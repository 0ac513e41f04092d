"""audit models; see DESIGN.md for what arrives here."""
