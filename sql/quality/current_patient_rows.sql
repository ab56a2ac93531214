-- File and row of each current patient row (patient-level discrepancies name their row).
SELECT t.centre_id, t.patient_id, t.file, t.source_row
FROM staging.patients t
JOIN (SELECT centre_id, max(delivery) AS delivery FROM staging.deliveries GROUP BY centre_id)
  current USING (centre_id, delivery);
