-- Analyst view: the matched AZA/VEN vs IC pairs (analysis.matched_pairs) with each
-- patient's characteristics and endpoints. Created only when analysis.matched_pairs exists
-- and has a patient_key column (warehouse/views.py).
CREATE OR REPLACE VIEW analysis.matched_pairs_outcomes AS
SELECT m.pair_id, m.arm, o.*
FROM analysis.matched_pairs m
JOIN analysis.transplanted_outcomes o ON o.patient_key = m.patient_key;
COMMENT ON VIEW analysis.matched_pairs_outcomes IS 'View: the matched AZA/VEN vs IC pairs (analysis.matched_pairs) with each patient''s characteristics and endpoints side by side.';
