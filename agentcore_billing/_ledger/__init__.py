"""The durable usage ledger: events in, one metered record per buyer, dimension and hour out.

Modules: ``ledger`` (the facade), ``models``, ``ingest`` (record, group commit),
``seal`` (summing, expiry, pruning), ``flush`` (claim, send, settle), ``status``,
``schema`` (tables, migrations), ``dialect``, ``store``, ``sqlite``, ``postgres``,
``rows``, ``hooks`` (crash points for tests).
"""
