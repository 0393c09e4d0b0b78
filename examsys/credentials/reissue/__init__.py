"""Reissuing credentials in bulk after a personnel clean-up: the campaign, its runs and prints, and closing the clean-up."""
