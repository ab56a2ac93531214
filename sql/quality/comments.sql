-- The data dictionary of the published quality tables written by data_quality (applied to
-- the published copy, after publish/comments.sql).
COMMENT ON TABLE quality.expectation_centre_results IS 'Registry-wide row expectations judged per centre (failing rows from great-expectations'' unexpected index list), on each centre''s current delivery before quarantine: the quality dashboard''s checks (OHDSI DQD shape).';
COMMENT ON COLUMN quality.expectation_centre_results.run_name IS 'Refresh that ran the expectations';
COMMENT ON COLUMN quality.expectation_centre_results.suite IS 'Expectation suite (one per canonical table, plus patient_profile)';
COMMENT ON COLUMN quality.expectation_centre_results.table_name IS 'Table validated';
COMMENT ON COLUMN quality.expectation_centre_results.kind IS 'conformance, completeness or plausibility (OHDSI DQD)';
COMMENT ON COLUMN quality.expectation_centre_results.check_name IS 'DQD-style check name (e.g. is_required, code_in_set)';
COMMENT ON COLUMN quality.expectation_centre_results.expectation IS 'great-expectations expectation type';
COMMENT ON COLUMN quality.expectation_centre_results.column_name IS 'Column (or columns) checked';
COMMENT ON COLUMN quality.expectation_centre_results.centre_id IS 'Centre code';
COMMENT ON COLUMN quality.expectation_centre_results.success IS 'True when the share violated is within the threshold';
COMMENT ON COLUMN quality.expectation_centre_results.unexpected_count IS 'Rows of the centre violating the expectation';
COMMENT ON COLUMN quality.expectation_centre_results.element_count IS 'Rows of the centre validated';
COMMENT ON COLUMN quality.expectation_centre_results.share_violated IS 'unexpected_count / element_count';
COMMENT ON COLUMN quality.expectation_centre_results.threshold IS 'mostly: share of rows that must pass (1 - share allowed to fail)';
COMMENT ON COLUMN quality.expectation_centre_results.expected IS 'The rule in words';
COMMENT ON COLUMN quality.expectation_centre_results.description IS 'What the check means';
