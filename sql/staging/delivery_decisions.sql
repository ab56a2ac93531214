-- The decision in force per delivery of one centre (newest row per delivery and signature).
SELECT centre_id, delivery, signature, decision, reason, decided_by, decided_at
FROM meta.delivery_decisions
WHERE centre_id = ?
QUALIFY row_number() OVER (PARTITION BY centre_id, delivery, signature
                           ORDER BY decided_at DESC) = 1
ORDER BY delivery;
