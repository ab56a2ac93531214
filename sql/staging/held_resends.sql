-- The held re-sends of one centre that are still what the raw layer holds for their delivery
-- (a later re-send or a revert to the kept content supersedes them).
SELECT DISTINCT h.delivery, h.signature, h.kept_signature, h.staged_at
FROM staging.held_resends h
JOIN raw.deliveries r ON r.centre_id = h.centre_id AND r.delivery = h.delivery
                     AND r.signature = h.signature
WHERE h.centre_id = ?
ORDER BY h.delivery;
