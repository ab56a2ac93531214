-- Forget the patients recorded as missing from a delivery (it is being staged again).
DELETE FROM quarantine.deleted_patients WHERE centre_id = ? AND missing_from = ?;
