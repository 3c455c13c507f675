"""`lienthong demo`: two real nodes, two simulated DMSs, one document's whole life.

Everything happens in a temporary directory (``--keep DIR`` keeps it): a TEST
PKI made with ``lienthong pki init``, two nodes written by ``lienthong init``
and started with ``lienthong serve`` (SQLite each, mutual TLS on 127.0.0.1,
free ports), and two DMS simulators that speak the DMS API over plain HTTP.
Each step prints one numbered line with what it checked; the demo exits 0 only
if every step checked out, 1 otherwise, 130 on Ctrl-C (the nodes are stopped
in every case).

The demo talks to the nodes only through their public surfaces (CLI, DMS API,
admin API, peer API), with the standard library: it imports no web framework.
"""

from node.app.demo.runner import STEPS, run_demo

__all__ = ["STEPS", "run_demo"]
