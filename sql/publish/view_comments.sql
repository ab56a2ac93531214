-- The analyst views' data dictionary (sql/analysis/view_*.sql): a COMMENT on each view and
-- on the columns it adds; columns taken from analysis.patients / analysis.endpoints get
-- their source's comment (sql/publish/view_inherited_comments.sql, warehouse/views.py).
COMMENT ON VIEW analysis.transplanted_outcomes IS 'View: one row per transplanted patient of every cohort, characteristics of analysis.patients (no calendar dates) and each endpoint''s time_days and status side by side (no join needed).';
COMMENT ON VIEW analysis.azaven_rr_transplanted IS 'View: the study cohort, transplanted patients after AZA/VEN salvage for R/R AML (cohort azaven_rr), one row each with characteristics and endpoints (Table 1, OS, CIR, NRM, GRFS without a join).';
COMMENT ON VIEW analysis.ic_comparator_transplanted IS 'View: the comparator pool, transplanted patients after intensive-chemotherapy salvage (cohort ic_comparator), same columns as analysis.azaven_rr_transplanted.';
COMMENT ON VIEW analysis.patient_endpoints IS 'View: analysis.endpoints in long form (one row per transplanted patient and endpoint) with the patient''s characteristics on every row, e.g. for aml-registry estimate by any characteristic.';
COMMENT ON COLUMN analysis.transplanted_outcomes.os_time_days IS 'Days from the first allograft to the OS (death, any cause) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.os_status IS 'OS (death, any cause): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.cir_time_days IS 'Days from the first allograft to the CIR (relapse; competing: death without relapse) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.cir_status IS 'CIR (relapse; competing: death without relapse): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.nrm_time_days IS 'Days from the first allograft to the NRM (death without prior relapse; competing: relapse) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.nrm_status IS 'NRM (death without prior relapse; competing: relapse): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.grfs_time_days IS 'Days from the first allograft to the refined GRFS (grade III-IV aGVHD, severe cGVHD, relapse or death) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.grfs_status IS 'refined GRFS (grade III-IV aGVHD, severe cGVHD, relapse or death): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.agvhd_2_4_time_days IS 'Days from the first allograft to the grade II-IV acute GVHD within day 100 (competing: death or relapse) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.agvhd_2_4_status IS 'grade II-IV acute GVHD within day 100 (competing: death or relapse): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.agvhd_3_4_time_days IS 'Days from the first allograft to the grade III-IV acute GVHD within day 100 (competing: death or relapse) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.agvhd_3_4_status IS 'grade III-IV acute GVHD within day 100 (competing: death or relapse): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.cgvhd_time_days IS 'Days from the first allograft to the chronic GVHD (competing: death or relapse) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.cgvhd_status IS 'chronic GVHD (competing: death or relapse): 0 censored, 1 event, 2 competing event';
COMMENT ON COLUMN analysis.transplanted_outcomes.cgvhd_severe_time_days IS 'Days from the first allograft to the severe chronic GVHD (competing: death or relapse) event, competing event or censoring';
COMMENT ON COLUMN analysis.transplanted_outcomes.cgvhd_severe_status IS 'severe chronic GVHD (competing: death or relapse): 0 censored, 1 event, 2 competing event';
COMMENT ON VIEW meta.data_dictionary IS 'View: every published table, view and column with its description (this list).';
COMMENT ON COLUMN meta.data_dictionary.schema_name IS 'Schema (analysis, outcomes, quality, meta)';
COMMENT ON COLUMN meta.data_dictionary.table_name IS 'Table or view';
COMMENT ON COLUMN meta.data_dictionary.table_description IS 'What the table or view holds';
COMMENT ON COLUMN meta.data_dictionary.column_index IS 'Position of the column in the table (1 = first)';
COMMENT ON COLUMN meta.data_dictionary.column_name IS 'Column';
COMMENT ON COLUMN meta.data_dictionary.data_type IS 'DuckDB data type';
COMMENT ON COLUMN meta.data_dictionary.column_description IS 'What the column holds';
COMMENT ON COLUMN meta.data_dictionary.table_kind IS 'table or view';
