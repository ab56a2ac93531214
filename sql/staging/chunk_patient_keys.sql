-- The delivery's staged patients (keys and the dates the cross-table rules compare).
SELECT centre_id, patient_id, birth_date, diagnosis_date
FROM scratch.patients
WHERE NOT _quarantined
ORDER BY source_row;
