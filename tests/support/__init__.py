"""Everything tests share, one module per shape (import as ``tests.support.<module>``).

- ``env``: what the machine lacks (skip locally, fail under ``CI=true``).
- ``clock``: the one fake clock.
- ``bodies``: ``StoredBody`` implementations (bytes, file).
- ``messages``: edXML test messages (documents from the sample, built statuses).
- ``fakes``: in-memory core facades (ExchangeApi, AdminApi, OpsProbe) and a core factory.
- ``engine_fakes``: the engine's driven ports faked (signer, key ring, verifier, transport).
- ``pki``: the test PKI for mutual TLS (``TlsCa``, ``make_tls_pki``), built on ``signing.pki``.
- ``signing_fixtures``: signing material and pytest fixtures (PKI, signers, SoftHSM).
- ``tsa``: a local RFC 3161 timestamp authority.
- ``node_config``: a node.toml for in-process service tests.
- ``peer_server``: a real peer node's receiving side and a DMS webhook receiver.
- ``vdxp_axis``: a strict fake national VDXP axis.
- ``logs``: the node's log captured as a test reads it.
- ``pg``: the PostgreSQL test server (LIENTHONG_TEST_POSTGRES_URL) and throw-away schemas.
- ``harness``: real ``lienthong serve`` processes, DMS clients, chaos, faults, fuzzing
  (tests/e2e and bench/).
"""
