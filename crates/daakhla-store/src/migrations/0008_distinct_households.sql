-- Schema 0008: pairs of households a coordinator looked at and found to be two households,
-- so the list of likely duplicates stops offering them. `first` sorts before `second`.
-- Kept on this device: a review aid, not a record; forgetting it only offers a pair again.
CREATE TABLE distinct_households (
    first      TEXT NOT NULL,
    second     TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (first, second),
    CHECK (first < second)
);
