"""Reads for screens: scoped to the viewer, returning DataFrames or small dataclasses."""
