-- Analyst view: the study cohort, transplanted patients after AZA/VEN salvage for R/R AML
-- (cohort azaven_rr), with characteristics and endpoints side by side.
CREATE OR REPLACE VIEW analysis.azaven_rr_transplanted AS
SELECT * FROM analysis.transplanted_outcomes WHERE cohort = 'azaven_rr';
