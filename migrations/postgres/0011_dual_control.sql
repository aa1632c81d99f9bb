-- Dual control (issue 15): a certificate or a grant for a privileged role
-- (operator, centre, official, regulator) takes two different operators.
-- The first operator's approval waits here until a second one approves; then
-- the row is removed (both approvals are in the audit trail).
CREATE TABLE first_approvals (
    subject  TEXT PRIMARY KEY NOT NULL,
    operator TEXT NOT NULL,
    at       TEXT NOT NULL
);
