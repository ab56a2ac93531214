-- Every quarantined row of every staged delivery, and of every held same-date re-send
-- (quarantine.held_rows, held_resend true), with the delivered (verbatim) text of its
-- table's key columns: the centre's own record key of the query (data_quality.queries).
WITH quarantined AS (
    SELECT *, false AS held_resend FROM quarantine.rows
    UNION ALL BY NAME
    SELECT *, true AS held_resend FROM quarantine.held_rows h
    WHERE EXISTS (  -- while the raw layer still holds the held re-send (staging/held_resends)
        SELECT 1 FROM staging.held_resends s
        JOIN raw.deliveries r ON r.centre_id = s.centre_id AND r.delivery = s.delivery
                             AND r.signature = s.signature
        WHERE s.centre_id = h.centre_id AND s.delivery = h.delivery)
)
SELECT * FROM (
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, NULL::VARCHAR AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, NULL::VARCHAR AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.patients r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'patients'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, r.gene AS key_gene, NULL::VARCHAR AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, NULL::VARCHAR AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.mutations r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'mutations'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, r.line AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, NULL::VARCHAR AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.treatment_lines r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'treatment_lines'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, r.line AS key_line, r.cycle AS key_cycle, r.assessment_date AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, NULL::VARCHAR AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.responses r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'responses'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, NULL::VARCHAR AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, r.sample_date AS key_sample_date, r.method AS key_method, r.tissue AS key_tissue, NULL::VARCHAR AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.mrd r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'mrd'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, NULL::VARCHAR AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, r.hsct_number AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.transplants r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'transplants'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, NULL::VARCHAR AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, NULL::VARCHAR AS key_hsct_number, r.kind AS key_kind, r.onset_date AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.gvhd r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'gvhd'
    UNION ALL BY NAME
    SELECT q.*, r.patient_id AS key_patient_id, NULL::VARCHAR AS key_gene, NULL::VARCHAR AS key_line, NULL::VARCHAR AS key_cycle, NULL::VARCHAR AS key_assessment_date, NULL::VARCHAR AS key_sample_date, NULL::VARCHAR AS key_method, NULL::VARCHAR AS key_tissue, NULL::VARCHAR AS key_hsct_number, NULL::VARCHAR AS key_kind, NULL::VARCHAR AS key_onset_date
    FROM quarantined q
    LEFT JOIN raw.followup r USING (centre_id, delivery, file, source_row)
    WHERE q.table_name = 'followup'
)
ORDER BY centre_id, delivery, table_name, file, source_row;
