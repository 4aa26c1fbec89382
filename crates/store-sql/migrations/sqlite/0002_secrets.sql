-- Secrets the installation generates once and every node shares (the key
-- that signs widget tokens). Keep in step with ../postgres/0002_secrets.sql.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
