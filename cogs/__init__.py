"""Thin discord.py glue, one feature per module; rules live in ``bot``."""
