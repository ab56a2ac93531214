-- The delivery each centre's expectations validate: its newest staged delivery (as
-- quality/staged_deliveries lists them), with the raw signature staging built its rows from
-- and the raw layer's signature of that delivery now. They differ when the raw content
-- changed after staging (a re-send held by the shrink guard: staging keeps the accepted
-- content, the expectations validate the content delivered).
SELECT s.centre_id, s.delivery, s.signature AS staged_signature,
       r.signature AS raw_signature
FROM staging.deliveries s
LEFT JOIN raw.deliveries r USING (centre_id, delivery)
WHERE s.delivery = (SELECT max(x.delivery) FROM staging.deliveries x
                    WHERE x.centre_id = s.centre_id)
ORDER BY s.centre_id;
