-- Schema 0006: the officials a union council's daily digest goes to, and a log of every
-- digest sent (to whom, how, the exact text) with the response noted later. Kept on this
-- device only: the log is the coordinator's record of their own advocacy.
CREATE TABLE digest_recipients (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL,
    office TEXT NOT NULL,
    phone  TEXT
);

CREATE TABLE digest_log (
    id               INTEGER PRIMARY KEY,
    sent_at          TEXT NOT NULL,
    uc_code          TEXT NOT NULL,
    lang             TEXT NOT NULL,
    -- The recipient as they were when it was sent, so renaming one keeps the history true.
    recipient_id     INTEGER REFERENCES digest_recipients(id),
    recipient_name   TEXT NOT NULL,
    recipient_office TEXT NOT NULL,
    recipient_phone  TEXT,
    channel          TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'copied')),
    text             TEXT NOT NULL,
    response         TEXT,
    response_at      TEXT
);
CREATE INDEX digest_log_by_uc ON digest_log(uc_code, sent_at);
