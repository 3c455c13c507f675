"""Adapters: HTTP APIs (DMS, peer, admin, ops), peer transport over mTLS, DMS
delivery modes (webhook, drop folder). They call the core through node.ports."""
