-- Every patient listed as deleted at the source (quarantine.deleted_patients) with the
-- staged deliveries the query spans: missing_from, and last_absent (the newest staged
-- delivery before the one that holds the patient again, returned_in); the patient's row of
-- its last delivery when still staged. A held re-send's row spans only its own delivery and
-- counts while the raw layer still holds that re-send (a revert to the kept content ends it).
WITH returned AS (
    SELECT d.*,
           (SELECT min(s.delivery) FROM staging.deliveries s
            JOIN raw.patients r ON r.centre_id = s.centre_id AND r.delivery = s.delivery
            WHERE s.centre_id = d.centre_id AND s.delivery > d.missing_from
              AND trim(r.patient_id) = d.patient_id) AS returned_in
    FROM quarantine.deleted_patients d
    WHERE d.held_signature IS NULL OR EXISTS (  -- a held re-send the raw layer still holds
        SELECT 1 FROM raw.deliveries r
        WHERE r.centre_id = d.centre_id AND r.delivery = d.missing_from
          AND r.signature = d.held_signature)
)
SELECT r.centre_id, r.patient_id, r.last_delivery, r.missing_from,
       r.held_signature IS NOT NULL AS held_resend, r.returned_in,
       CASE WHEN r.held_signature IS NOT NULL THEN r.missing_from
            ELSE coalesce((SELECT max(s.delivery) FROM staging.deliveries s
                           WHERE s.centre_id = r.centre_id AND s.delivery >= r.missing_from
                             AND (r.returned_in IS NULL OR s.delivery < r.returned_in)),
                          r.missing_from) END AS last_absent,
       p.file, p.source_row
FROM returned r
LEFT JOIN staging.patients p ON p.centre_id = r.centre_id AND p.delivery = r.last_delivery
                            AND p.patient_id = r.patient_id
ORDER BY r.centre_id, r.missing_from, r.patient_id;
