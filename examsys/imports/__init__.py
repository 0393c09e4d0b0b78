"""Shared machinery of the all-or-nothing imports: reading CSV/XLSX tables and staging uploads."""
