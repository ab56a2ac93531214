-- Per-centre results of the registry-wide row expectations (the dashboard's checks).
SELECT * FROM quality.expectation_centre_results ORDER BY centre_id, kind, suite, check_name;
