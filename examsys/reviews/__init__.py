"""Routine performance reviews (平时考核) and annual assessments."""
