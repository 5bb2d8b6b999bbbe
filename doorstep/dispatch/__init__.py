"""Dispatch: matching and route planning. ``solver/`` is framework-free (no Django)."""
