"""lienthong node core: the edXML domain, the exchange engine, the store, config and CLI.

The core imports no web framework and no signing library; adapters/ and signing/
plug into the ports defined in :mod:`node.ports`.
"""

__version__ = "0.1.0"
