"""Reliability harness: real `lienthong serve` processes, DMS clients, a chaos
controller (SIGKILL + restart), faults (peer down, store cut, disk full) and
envelope fuzzing. Used by tests/e2e (short runs) and bench/chaos.py,
bench/fuzz.py (long runs). See docs/reliability.md."""
