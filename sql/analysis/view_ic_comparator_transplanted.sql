-- Analyst view: the comparator pool, transplanted patients after intensive-chemotherapy
-- salvage (cohort ic_comparator), same columns as analysis.azaven_rr_transplanted.
CREATE OR REPLACE VIEW analysis.ic_comparator_transplanted AS
SELECT * FROM analysis.transplanted_outcomes WHERE cohort = 'ic_comparator';
