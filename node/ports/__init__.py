"""The core's ports, by direction.

:mod:`node.ports.driven`: what the core calls (clock, stored bodies, signer,
key ring, verifier, transport, and the metadata beside the bytes); adapters and
signing implement them. :mod:`node.ports.api`: what the adapters call (the
exchange, admin and ops facades, principals, views); the engine implements it.
Import from the module of the direction you mean.
"""
