-- Cairn PostgreSQL schema v5: the one-time codes admin tokens spent
-- (src/http/totp.ts), shared by every node on the database. Applied once,
-- inside a transaction, by src/storage/postgres/migrations.ts. Never edit a
-- released migration: add the next number.
--
-- RFC 6238 §5.2: the verifier MUST NOT accept the second attempt of the same
-- OTP. Each admin token's last accepted TOTP time step is kept here, so that a
-- code one node accepted is refused by every other node on the database, and
-- by every node after a restart (PostgresStore.spendOtpStep).
CREATE TABLE admin_otp_steps (
  token text   PRIMARY KEY,
  step  bigint NOT NULL CHECK (step >= 0)
);
