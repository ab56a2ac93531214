-- Forget that a delivery was staged before (it is being staged again).
DELETE FROM staging.deliveries WHERE centre_id = ? AND delivery = ?;
