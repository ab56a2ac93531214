-- The rows of one centre's delivery in {target} (replaced by the delivery being staged).
DELETE FROM {target} WHERE centre_id = $centre_id AND delivery = $delivery;
