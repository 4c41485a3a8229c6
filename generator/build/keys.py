"""The digests the build cache is keyed by: what each output and each rendered body is
made from. Equal keys mean equal bytes; the cache only ever saves work."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .. import __version__
from ..digests import digest
from ..source.content import Page, Report
from ..source.settings import SiteConfig


def build_key_of(config: SiteConfig, out_dir: Path) -> str:
    """What every output depends on: the generator, the settings, and where it is written."""
    return digest(generator_fingerprint(), repr(config), str(out_dir.absolute()))


def output_key(build_key: str, template: str, inputs: str) -> str:
    """An output's key: the build's, its template's (with all it pulls in), its plan's."""
    return digest(build_key, template, inputs)


def body_key(source: Report | Page, config: SiteConfig) -> str:
    """Rendered Markdown is cached by the digest of the file it came from."""
    return digest(generator_fingerprint(), str(config.allow_raw_html), source.digest)


_fingerprint: str | None = None


def generator_fingerprint() -> str:
    """The generator's own code and its libraries' versions: a new generator renders anew."""
    global _fingerprint
    if _fingerprint is None:
        import importlib.metadata as metadata

        hashed = hashlib.blake2b(digest_size=16)
        hashed.update(__version__.encode())
        for package in ("comrak", "jinja2", "nh3", "pyyaml"):
            try:
                hashed.update(f"{package}={metadata.version(package)}".encode())
            except metadata.PackageNotFoundError:
                hashed.update(package.encode())
        root = Path(__file__).parent.parent
        for module in sorted(root.rglob("*.py")):  # every subpackage's code
            hashed.update(module.relative_to(root).as_posix().encode() + module.read_bytes())
        _fingerprint = hashed.hexdigest()
    return _fingerprint
