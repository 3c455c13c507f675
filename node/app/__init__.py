"""The composition root: the one place that knows every layer.

``bootstrap`` builds the object graph, ``wiring`` turns the configuration into
adapters, signers and the engine, ``warmup`` primes the worker threads; the
``cli`` commands and the ``demo`` are the driving side and build what they need
from here. Only modules under ``node/app/`` may import ``adapters``, ``signing``,
a web framework or a database driver; the rest of ``node/`` is the core
(tests/unit/test_layers.py walks every import and proves it).
"""
