"""Dash callbacks, one module per area; each registers itself with register(app)."""
