-- Patients of one centre's previous delivery ($2) that a newer delivery ($3) does not hold,
-- staged or quarantined (a quarantined row is still delivered).
SELECT p.patient_id
FROM staging.patients p
WHERE p.centre_id = $1 AND p.delivery = $2
  AND p.patient_id NOT IN (SELECT trim(patient_id) FROM raw.patients
                           WHERE centre_id = $1 AND delivery = $3 AND patient_id IS NOT NULL)
ORDER BY p.patient_id;
