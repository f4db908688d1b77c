"""One entry point over the three reference families: ``build(variant)`` and the variant list.

Official variants have manifests in Tests/Fixtures/manifests/<variant>.json; the ``*_tiny`` variants
are reduced widths used for small committed parity fixtures.
"""
import cloformer
import efficientvit
import shvit

FAMILIES = {'shvit': shvit, 'efficientvit': efficientvit, 'cloformer': cloformer}


def family_of(variant: str) -> str:
    """Family name (``shvit``, ``efficientvit``, ``cloformer``) of a variant name."""
    for name in FAMILIES:
        if variant.startswith(name + '_'):
            return name
    raise KeyError(f'unknown variant {variant!r}; known: {", ".join(all_variants())}')


def all_variants():
    """Every variant name, official and reduced."""
    return [v for m in FAMILIES.values() for v in m.VARIANTS]


def official_variants():
    """Variants that mirror an official model (everything but the ``*_tiny`` ones)."""
    return [v for v in all_variants() if not v.endswith('_tiny')]


def build(variant: str, num_classes: int = 1000):
    """Builds the reference module of ``variant`` (random init, train mode)."""
    return FAMILIES[family_of(variant)].build(variant, num_classes)
