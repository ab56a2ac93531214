-- The analysis patients the outcome analyses read.
SELECT * FROM analysis.patients;
