"""Requests for a credential (first issue, renewal, replacement): the four-eyes path from HR to the issuing authority."""
