"""Path-validation results are cached per certificate, for a while, per trust material."""

from __future__ import annotations

from datetime import timedelta

from signing.certcheck import CertFacts, ValidationCache
from signing.policy import VerificationPolicy
from signing.trust import TrustMaterial
from tests.support.clock import FakeClock

POLICY = VerificationPolicy()
KEY = (POLICY, b"leaf", (), None)
FACTS = CertFacts(trusted=True)


def test_entries_expire_after_the_ttl() -> None:
    clock = FakeClock()
    cache = ValidationCache(clock, ttl=timedelta(seconds=60))
    material = TrustMaterial((b"ca",), ())
    cache.put(material, KEY, FACTS)

    assert cache.get(material, KEY) is FACTS
    clock.instant += timedelta(seconds=61)
    assert cache.get(material, KEY) is None


def test_new_trust_material_starts_afresh() -> None:
    cache = ValidationCache(FakeClock())
    old = TrustMaterial((b"ca",), ())
    cache.put(old, KEY, FACTS)

    fresh = TrustMaterial((b"ca",), (b"a new crl",))

    assert cache.get(fresh, KEY) is None
    cache.put(fresh, (POLICY, b"other", (), None), FACTS)
    assert cache.get(old, KEY) is None


def test_cache_stays_bounded() -> None:
    cache = ValidationCache(FakeClock(), max_entries=2)
    material = TrustMaterial((), ())
    for i in range(5):
        cache.put(material, (POLICY, bytes([i]), (), None), FACTS)

    assert (
        sum(cache.get(material, (POLICY, bytes([i]), (), None)) is not None for i in range(5)) <= 2
    )
