-- Offending rows: a patient with an endpoint twice.
SELECT patient_key, endpoint, count(*) AS n
FROM analysis.endpoints GROUP BY patient_key, endpoint HAVING count(*) > 1;
