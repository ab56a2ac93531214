-- A shrink-guard decision on a delivery: 'held' by the guard or 'accepted' by a data manager.
INSERT INTO meta.delivery_decisions (centre_id, delivery, signature, decision, reason,
                                     decided_by, command, refresh_id, decided_at)
VALUES ($centre_id, $delivery, $signature, $decision, $reason, $decided_by, $command,
        $refresh_id, $decided_at);
