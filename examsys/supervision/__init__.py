"""Supervision (执法监督): the dashboard the auditor and the system administrator open every morning."""
