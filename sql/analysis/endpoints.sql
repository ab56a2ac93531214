-- analysis.endpoints: long time-to-event form (ADaM ADTTE idea), one row per transplanted
-- patient and endpoint. Origin = first allograft (day 0); status 0 = censored at last
-- contact, 1 = event, 2 = competing event; event_source names the delivered date used.
-- The dates come from harmonised.patients (restricted); only the days from the origin are
-- published (no calendar dates in the analysts' tables, issue 18).
CREATE OR REPLACE TABLE analysis.endpoints AS
WITH base AS (
    SELECT
        k.patient_key, p.centre_id, p.cohort, p.hsct_date AS origin_date,
        greatest(p.last_contact_date, p.death_date) AS end_date,
        p.death_date, p.relapse_date, p.agvhd_2_4_date, p.agvhd_3_4_date, p.cgvhd_date,
        p.cgvhd_severe_date,
        CAST(p.hsct_date + INTERVAL 100 DAY AS DATE) AS day100
    FROM harmonised.patients p
    JOIN harmonised.patient_keys k USING (centre_id, patient_id)
    WHERE p.hsct_date IS NOT NULL AND p.last_contact_date IS NOT NULL
),
-- first of relapse and death: the competing event of GVHD endpoints
first_failure AS (
    SELECT *,
        least(relapse_date, death_date) AS failure_date,
        CASE WHEN relapse_date IS NOT NULL AND (death_date IS NULL OR relapse_date <= death_date)
             THEN 'followup.relapse_date' ELSE 'followup.death_date' END AS failure_source,
        least(agvhd_3_4_date, cgvhd_severe_date, relapse_date, death_date) AS grfs_date
    FROM base
),
rows AS (
    SELECT patient_key, centre_id, cohort, origin_date, 'OS' AS endpoint,
        coalesce(death_date, end_date) AS event_date,
        CASE WHEN death_date IS NOT NULL THEN 1 ELSE 0 END AS status,
        CASE WHEN death_date IS NOT NULL THEN 'followup.death_date'
             ELSE 'followup.last_contact_date' END AS event_source
    FROM first_failure
    UNION ALL
    SELECT patient_key, centre_id, cohort, origin_date, 'CIR',
        coalesce(relapse_date, death_date, end_date),
        CASE WHEN relapse_date IS NOT NULL THEN 1 WHEN death_date IS NOT NULL THEN 2 ELSE 0 END,
        CASE WHEN relapse_date IS NOT NULL THEN 'followup.relapse_date'
             WHEN death_date IS NOT NULL THEN 'followup.death_date'
             ELSE 'followup.last_contact_date' END
    FROM first_failure
    UNION ALL
    SELECT patient_key, centre_id, cohort, origin_date, 'NRM',
        coalesce(relapse_date, death_date, end_date),
        CASE WHEN relapse_date IS NOT NULL THEN 2 WHEN death_date IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN relapse_date IS NOT NULL THEN 'followup.relapse_date'
             WHEN death_date IS NOT NULL THEN 'followup.death_date'
             ELSE 'followup.last_contact_date' END
    FROM first_failure
    UNION ALL
    SELECT patient_key, centre_id, cohort, origin_date, 'GRFS',
        coalesce(grfs_date, end_date),
        CASE WHEN grfs_date IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN grfs_date IS NULL THEN 'followup.last_contact_date'
             WHEN grfs_date = agvhd_3_4_date THEN 'gvhd.onset_date (acute III-IV)'
             WHEN grfs_date = cgvhd_severe_date THEN 'gvhd.onset_date (severe chronic)'
             WHEN grfs_date = relapse_date THEN 'followup.relapse_date'
             ELSE 'followup.death_date' END
    FROM first_failure
    UNION ALL
    -- acute GVHD: followed to day 100 only (harmonised dates are within day 100)
    SELECT patient_key, centre_id, cohort, origin_date, endpoint,
        CASE WHEN gvhd_date IS NOT NULL AND (failure_date IS NULL OR gvhd_date <= failure_date)
             THEN gvhd_date
             WHEN failure_date IS NOT NULL AND failure_date <= day100 THEN failure_date
             ELSE least(end_date, day100) END,
        CASE WHEN gvhd_date IS NOT NULL AND (failure_date IS NULL OR gvhd_date <= failure_date)
             THEN 1
             WHEN failure_date IS NOT NULL AND failure_date <= day100 THEN 2
             ELSE 0 END,
        CASE WHEN gvhd_date IS NOT NULL AND (failure_date IS NULL OR gvhd_date <= failure_date)
             THEN 'gvhd.onset_date (acute ' || grade_label || ')'
             WHEN failure_date IS NOT NULL AND failure_date <= day100 THEN failure_source
             WHEN end_date < day100 THEN 'followup.last_contact_date'
             ELSE 'day 100 (end of aGVHD window)' END
    FROM (
        SELECT *, 'AGVHD_2_4' AS endpoint, agvhd_2_4_date AS gvhd_date, 'II-IV' AS grade_label
        FROM first_failure
        UNION ALL
        SELECT *, 'AGVHD_3_4', agvhd_3_4_date, 'III-IV' FROM first_failure
    )
    UNION ALL
    SELECT patient_key, centre_id, cohort, origin_date, endpoint,
        CASE WHEN gvhd_date IS NOT NULL AND (failure_date IS NULL OR gvhd_date <= failure_date)
             THEN gvhd_date
             ELSE coalesce(failure_date, end_date) END,
        CASE WHEN gvhd_date IS NOT NULL AND (failure_date IS NULL OR gvhd_date <= failure_date)
             THEN 1
             WHEN failure_date IS NOT NULL THEN 2
             ELSE 0 END,
        CASE WHEN gvhd_date IS NOT NULL AND (failure_date IS NULL OR gvhd_date <= failure_date)
             THEN 'gvhd.onset_date (' || grade_label || ')'
             WHEN failure_date IS NOT NULL THEN failure_source
             ELSE 'followup.last_contact_date' END
    FROM (
        SELECT *, 'CGVHD' AS endpoint, cgvhd_date AS gvhd_date, 'chronic' AS grade_label
        FROM first_failure
        UNION ALL
        SELECT *, 'CGVHD_SEVERE', cgvhd_severe_date, 'severe chronic' FROM first_failure
    )
)
SELECT
    patient_key,
    centre_id,
    cohort,
    endpoint,
    date_diff('day', origin_date, event_date) AS time_days,
    round(date_diff('day', origin_date, event_date) / 30.4375, 3) AS time_months,
    status,
    CASE status WHEN 0 THEN 'censored' WHEN 1 THEN 'event' ELSE 'competing event' END
        AS status_label,
    event_source
FROM rows
ORDER BY endpoint, centre_id, patient_key;
