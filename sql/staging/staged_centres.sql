SELECT DISTINCT centre_id FROM staging.deliveries ORDER BY centre_id;
