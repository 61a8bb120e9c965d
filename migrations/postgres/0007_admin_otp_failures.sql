-- Cairn PostgreSQL schema v7: the wrong one-time codes of admin tokens and
-- the lockouts they earned (src/http/totp.ts), shared by every node on the
-- database. Applied once, inside a transaction, by
-- src/storage/postgres/migrations.ts. Never edit a released migration: add
-- the next number.
--
-- RFC 4226 §7.3 (throttling): after a number of wrong codes in a row a token's
-- codes are refused for a while. A token's row counts its wrong codes since
-- its last accepted one and, once the count earns it, holds the end of the
-- lockout by the database's clock (locked_until; NULL below the count). One
-- row for all the nodes, so that guessing through several nodes gets no more
-- tries than through one (src/storage/postgres/admin-otp.ts). An accepted
-- code deletes the row, in the statement that spends its step in
-- admin_otp_steps (0005; both tables are written by admin-otp.ts).
CREATE TABLE admin_otp_failures (
  token        text        PRIMARY KEY,
  failures     integer     NOT NULL CHECK (failures > 0),
  locked_until timestamptz
);
