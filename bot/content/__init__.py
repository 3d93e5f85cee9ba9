"""YAML content -> validated, immutable, typed catalog (no discord import)."""
