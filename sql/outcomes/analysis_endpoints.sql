-- The endpoints the outcome analyses read.
SELECT * FROM analysis.endpoints;
