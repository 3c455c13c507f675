"""Shared pieces of the benchmarks: documents, real node processes, DMS clients,
seeding stores in bulk, and the result table."""
