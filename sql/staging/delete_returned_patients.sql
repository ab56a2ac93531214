-- A same-date re-send: forget the patients recorded as missing from the delivery that the
-- re-send holds again (staged or quarantined: a quarantined row is still delivered).
DELETE FROM quarantine.deleted_patients
WHERE centre_id = $1 AND missing_from = $2
  AND patient_id IN (SELECT trim(patient_id) FROM raw.patients
                     WHERE centre_id = $1 AND delivery = $2 AND patient_id IS NOT NULL);
