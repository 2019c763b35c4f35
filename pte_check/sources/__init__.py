"""Hunks to before/after function bodies: the built-in model provider or a kernel tree."""
