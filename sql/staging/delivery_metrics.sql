-- Size of one staged delivery: patients, events (deaths, relapses, transplants, GVHD
-- episodes) and raw vs quarantined rows, for the shrink guard.
SELECT
    (SELECT count(*) FROM staging.patients WHERE centre_id = $1 AND delivery = $2) AS patients,
    (SELECT count(*) FROM staging.followup WHERE centre_id = $1 AND delivery = $2
        AND vital_status = 'dead') AS deaths,
    (SELECT count(*) FROM staging.followup WHERE centre_id = $1 AND delivery = $2
        AND relapse_date IS NOT NULL) AS relapses,
    (SELECT count(*) FROM staging.transplants WHERE centre_id = $1 AND delivery = $2) AS transplants,
    (SELECT count(*) FROM staging.gvhd WHERE centre_id = $1 AND delivery = $2) AS gvhd_episodes,
    (SELECT count(*) FROM quarantine.rows WHERE centre_id = $1 AND delivery = $2) AS quarantined_rows;
