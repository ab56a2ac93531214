-- Offending rows: negative or missing times, or a status outside 0/1/2.
SELECT patient_key, endpoint, time_days, status
FROM analysis.endpoints
WHERE time_days IS NULL OR time_days < 0 OR status NOT IN (0, 1, 2);
