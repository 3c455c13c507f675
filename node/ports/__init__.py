"""The core's ports, by direction: :mod:`node.ports.driven` (what the core calls)
and :mod:`node.ports.api` (what the adapters call). Import from the one you mean."""
