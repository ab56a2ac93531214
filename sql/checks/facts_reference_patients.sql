-- Offending rows: fact rows whose patient is not in analysis.patients.
SELECT 'transplants' AS fact, patient_key FROM analysis.transplants
WHERE patient_key NOT IN (SELECT patient_key FROM analysis.patients)
UNION ALL
SELECT 'treatment_lines', patient_key FROM analysis.treatment_lines
WHERE patient_key NOT IN (SELECT patient_key FROM analysis.patients)
UNION ALL
SELECT 'responses', patient_key FROM analysis.responses
WHERE patient_key NOT IN (SELECT patient_key FROM analysis.patients)
UNION ALL
SELECT 'mrd', patient_key FROM analysis.mrd
WHERE patient_key NOT IN (SELECT patient_key FROM analysis.patients)
UNION ALL
SELECT 'gvhd', patient_key FROM analysis.gvhd
WHERE patient_key NOT IN (SELECT patient_key FROM analysis.patients);
