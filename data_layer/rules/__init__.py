"""Pure business rules: exact money, IDs, mortgages, settlement and fees (stdlib only, no I/O)."""
