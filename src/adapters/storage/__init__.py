"""Storage adapter: SQLAlchemy 2 on PostgreSQL (psycopg 3) and SQLite."""
