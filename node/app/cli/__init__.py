"""The ``lienthong`` command line. Each sub-command lives in its own module with
``NAME``, ``HELP``, ``configure(parser)`` and ``run(args) -> int``; heavy imports
stay inside ``run`` so ``lienthong --help`` is instant."""
