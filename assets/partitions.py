"""One partition per centre: a new centre folder with a centre.yaml becomes a new partition."""

import dagster as dg

centre_partitions = dg.DynamicPartitionsDefinition(name="centre")
DUCKDB_WRITER_POOL = "duckdb_writer"
