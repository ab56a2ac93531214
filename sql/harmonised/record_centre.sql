INSERT OR REPLACE INTO harmonised.centres (centre_id, delivery, code_version, patients,
                                           harmonised_at)
VALUES ($centre_id, $delivery, $code_version, $patients, now()::TIMESTAMP);
