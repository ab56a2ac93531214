-- A held newer delivery ($2, signature $3) was accepted: the patients of the centre's
-- previous delivery it lacks, listed with its mark while it was held, are now deleted at
-- the source (held_signature cleared). A held re-send's own rows (last_delivery =
-- missing_from) are listed again when its content is staged.
UPDATE quarantine.deleted_patients SET held_signature = NULL
WHERE centre_id = $1 AND missing_from = $2 AND held_signature = $3
  AND last_delivery <> missing_from;
