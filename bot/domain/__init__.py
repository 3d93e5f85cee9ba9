"""Pure rules: synchronous, no I/O, no discord; time and randomness are injected."""
