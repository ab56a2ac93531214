-- Analyst view: one row per transplanted patient (every cohort) with the patient's derived
-- characteristics and every endpoint's time and status side by side, so that Table 1 and
-- the outcome curves need no join. No calendar dates: columns ending in _date are left out
-- (times are days from the first allograft, ages and years stand for dates).
CREATE OR REPLACE VIEW analysis.transplanted_outcomes AS
WITH wide AS (
    SELECT
        patient_key,
        max(time_days) FILTER (WHERE endpoint = 'OS') AS os_time_days,
        max(status) FILTER (WHERE endpoint = 'OS') AS os_status,
        max(time_days) FILTER (WHERE endpoint = 'CIR') AS cir_time_days,
        max(status) FILTER (WHERE endpoint = 'CIR') AS cir_status,
        max(time_days) FILTER (WHERE endpoint = 'NRM') AS nrm_time_days,
        max(status) FILTER (WHERE endpoint = 'NRM') AS nrm_status,
        max(time_days) FILTER (WHERE endpoint = 'GRFS') AS grfs_time_days,
        max(status) FILTER (WHERE endpoint = 'GRFS') AS grfs_status,
        max(time_days) FILTER (WHERE endpoint = 'AGVHD_2_4') AS agvhd_2_4_time_days,
        max(status) FILTER (WHERE endpoint = 'AGVHD_2_4') AS agvhd_2_4_status,
        max(time_days) FILTER (WHERE endpoint = 'AGVHD_3_4') AS agvhd_3_4_time_days,
        max(status) FILTER (WHERE endpoint = 'AGVHD_3_4') AS agvhd_3_4_status,
        max(time_days) FILTER (WHERE endpoint = 'CGVHD') AS cgvhd_time_days,
        max(status) FILTER (WHERE endpoint = 'CGVHD') AS cgvhd_status,
        max(time_days) FILTER (WHERE endpoint = 'CGVHD_SEVERE') AS cgvhd_severe_time_days,
        max(status) FILTER (WHERE endpoint = 'CGVHD_SEVERE') AS cgvhd_severe_status
    FROM analysis.endpoints
    GROUP BY patient_key
)
SELECT *
FROM (SELECT COLUMNS(c -> NOT suffix(c, '_date')) FROM analysis.patients WHERE transplanted) p
JOIN wide w USING (patient_key);
