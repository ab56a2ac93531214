SELECT delivery, signature FROM staging.deliveries WHERE centre_id = ? ORDER BY delivery;
