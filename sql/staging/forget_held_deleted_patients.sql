-- The patients listed as missing from a held re-send of a delivery (superseded or staged).
DELETE FROM quarantine.deleted_patients
WHERE centre_id = ? AND missing_from = ? AND held_signature IS NOT NULL;
