-- Deliveries held by the shrink guard whose decision in force is still 'held'.
SELECT centre_id, delivery, reason, decided_at
FROM meta.delivery_decisions
QUALIFY row_number() OVER (PARTITION BY centre_id, delivery, signature
                           ORDER BY decided_at DESC) = 1
    AND decision = 'held'
ORDER BY centre_id, delivery;
