-- A patient of the previous current delivery (or of the content a re-send replaces) that
-- the new delivery no longer holds; held_signature: the held re-send without the patient.
INSERT INTO quarantine.deleted_patients (centre_id, patient_id, last_delivery, missing_from,
                                         recorded_at, held_signature)
VALUES ($centre_id, $patient_id, $last_delivery, $missing_from, $recorded_at,
        $held_signature);
