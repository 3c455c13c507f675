"""aiohttp servers of the node: the DMS listener (DMS API, admin API, ops,
OpenAPI) and the peer listener (peer API over mutual TLS)."""
