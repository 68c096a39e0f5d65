-- Migration 5 (issue 16, item 2: the processor port): every payment gets its
-- status with the processor and the key the processor knows it by.
--
-- Existing rows were booked as final by earlier versions, which had no
-- processor:
--   * a portal payment becomes `settled` (the customer was given a receipt
--     and told it was paid); it has no processor key, since it was never
--     submitted under one, so no result can name it;
--   * an AutoPay draft's payment becomes `submitted`, with its draft's
--     idempotency key as its processor key: it was drafted outside
--     ratepayer and its outcome was never recorded, so the application may
--     still report its settlement or its return under the draft's key.
-- Nothing becomes `pending`: nothing recorded before is ever submitted again.
ALTER TABLE payments ADD COLUMN status TEXT NOT NULL DEFAULT 'settled';
ALTER TABLE payments ADD COLUMN processor_key TEXT;

UPDATE payments SET status = 'submitted', processor_key = idempotency_key
WHERE source = 'autopay';

UPDATE payments SET data = json_set(data, '$.status', status, '$.processor_key', processor_key);

CREATE UNIQUE INDEX payments_by_processor_key
    ON payments (utility, processor_key) WHERE processor_key IS NOT NULL;
CREATE INDEX payments_by_status ON payments (utility, status, seq);
