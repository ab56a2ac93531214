-- Whether the warehouse is a demo (synthetic registry, public demo key): the pages' banner.
SELECT coalesce(bool_or(is_demo), false) AS is_demo FROM meta.pseudonymisation;
