-- The delivery's staged transplants (keys and dates): each patient's first one.
SELECT centre_id, patient_id, hsct_date
FROM scratch.transplants
WHERE NOT _quarantined
ORDER BY source_row;
