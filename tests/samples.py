"""Where the shared sample files live: ``shared/samples`` beside the repository, or beside a folder that
holds the checkout (a worktree under ``wt/`` finds the same samples as the main checkout)."""

from pathlib import Path


def _samples_dir() -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "samples"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no shared/samples folder beside the repository or any folder above it")


SAMPLES = _samples_dir()
