"""Reusable widgets: each owns its layout and speaks through signals and slots."""
