"""resumes models; see DESIGN.md for what arrives here."""
