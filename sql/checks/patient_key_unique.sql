-- Offending rows: patient keys that occur more than once.
SELECT patient_key, count(*) AS n FROM analysis.patients GROUP BY patient_key HAVING count(*) > 1;
