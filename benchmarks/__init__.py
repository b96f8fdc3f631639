"""Benchmarks of agentcore_billing against its peers (raw boto3, the official SDK).

Run them all with ``python -m benchmarks`` (``--quick`` for a short pass, ``--only P1,P3``
for a subset). Every figure is a ratio or fraction measured against a peer in the same
run; see ``benchmarks/RESULTS.md`` for what each one means and the latest numbers.

* P1 (:mod:`benchmarks.p1_per_call`): per-call cost with no network.
* P2 (:mod:`benchmarks.p2_throughput`): metering throughput under a request-rate quota.
* P3 (:mod:`benchmarks.p3_memory`): peak memory of streaming metering.
* P4 (:mod:`benchmarks.p4_import`): import time.
"""
