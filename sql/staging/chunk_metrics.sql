-- Size of the delivery being staged (scratch), as staging/delivery_metrics measures a
-- staged one: patients, events and quarantined rows, for the shrink guard.
SELECT
    (SELECT count(*) FROM scratch.patients WHERE NOT _quarantined) AS patients,
    (SELECT count(*) FROM scratch.followup WHERE NOT _quarantined
        AND vital_status = 'dead') AS deaths,
    (SELECT count(*) FROM scratch.followup WHERE NOT _quarantined
        AND relapse_date IS NOT NULL) AS relapses,
    (SELECT count(*) FROM scratch.transplants WHERE NOT _quarantined) AS transplants,
    (SELECT count(*) FROM scratch.gvhd WHERE NOT _quarantined) AS gvhd_episodes,
    (SELECT count(*) FROM scratch.quarantine) AS quarantined_rows;
