-- A patient of the previous current delivery that the new one no longer holds.
INSERT INTO quarantine.deleted_patients (centre_id, patient_id, last_delivery, missing_from,
                                         recorded_at)
VALUES ($centre_id, $patient_id, $last_delivery, $missing_from, $recorded_at);
