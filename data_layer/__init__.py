"""Everything that knows the database and the business rules of Loupan."""
