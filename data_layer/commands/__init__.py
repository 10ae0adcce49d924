"""Business actions: one function each, one transaction, a permission check and an audit entry."""
