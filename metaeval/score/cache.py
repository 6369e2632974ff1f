"""On-disk score cache: (metric name, config hash, input content hashes, sample rate) -> score.

One SQLite file per metric under the cache folder (default ``.cache/metaeval-scores``); each
batch of new scores is written in one transaction, so an interrupted run leaves every finished
batch on disk and nothing half-written. The key is

    sha256(json([metric, config_hash, loader_version, sample_rate, {input: sha256(file bytes)}]))

so renaming or moving a file keeps its score, and changing the audio, the metric's config, the
version of a package that computes it (``Metric.backend_versions``, inside ``config_hash``) or
the loading (mono/resampling) recomputes it. Text inputs are hashed by their content the same way.
Only finite scores are stored, each with its details (e.g. a TIGERScore error analysis, JSON) when
the metric gives any: a failure is retried on the next run.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from metaeval.errors import DataError, located

DEFAULT_CACHE_DIR = Path(".cache") / "metaeval-scores"
SHARDS = "shards"  # cache_dir/shards/<run>/<worker>/<metric>.sqlite: one Ray worker's cache
SCHEMA = ("CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, config_hash TEXT NOT NULL, "
          "score REAL NOT NULL, details TEXT)")


def cache_key(metric: str, config_hash: str, input_hashes: Mapping[str, str],
              sample_rate: int | None, loader_version: str = "") -> str:
    """The cache key of one (metric config, inputs) pair (hex sha256)."""
    payload = json.dumps([metric, config_hash, loader_version, sample_rate,
                          dict(sorted(input_hashes.items()))], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _file_name(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric) + ".sqlite"


class ScoreCache:
    """The cached scores of one metric (all configs) in ``cache_dir/<metric>.sqlite``."""

    def __init__(self, cache_dir: str | Path, metric: str):
        self.path = Path(cache_dir) / _file_name(metric)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60)
            with self._db:
                self._db.execute(SCHEMA)
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(scores)")}
                if "details" not in columns:  # a cache written before details existed
                    self._db.execute("ALTER TABLE scores ADD COLUMN details TEXT")
            check = self._db.execute("PRAGMA quick_check").fetchone()[0]  # before any scoring
            if check != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {check}")
        except (OSError, sqlite3.Error) as error:
            raise self._broken(error, "open") from error

    def _broken(self, error: Exception, action: str) -> DataError:
        return DataError(located(f"cannot {action} the score cache ({error})", file=str(self.path),
                                 fix="choose another --cache folder, or delete this file to start "
                                     "the cache afresh."))

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[float, object]]:
        """The cached (score, details) among ``keys`` (details None when there are none)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, tuple[float, object]] = {}
        try:
            for start in range(0, len(keys), 500):  # SQLite's bound-variable limit
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, score, details FROM scores WHERE key IN ({marks})"
                for key, score, details in self._db.execute(query, chunk).fetchall():
                    found[key] = (score, None if details is None else json.loads(details))
        except sqlite3.Error as error:
            raise self._broken(error, "read") from error
        return found

    def put_many(self, scores: Mapping[str, tuple[float, object]], config_hash: str) -> None:
        """Store ``{key: (score, details)}`` in one transaction (all or nothing)."""
        if not scores:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO scores (key, config_hash, score, details) "
                    "VALUES (?, ?, ?, ?)",
                    [(k, config_hash, float(v), None if d is None else json.dumps(d))
                     for k, (v, d) in scores.items()])
        except sqlite3.Error as error:
            raise self._broken(error, "write") from error

    def entries(self) -> list[tuple[str, str, float, str | None]]:
        """Every stored (key, config hash, score, details JSON): what a shard hands back."""
        try:
            return self._db.execute("SELECT key, config_hash, score, details FROM scores").fetchall()
        except sqlite3.Error as error:
            raise self._broken(error, "read") from error

    def merge(self, entries: Iterable[tuple[str, str, float, str | None]]) -> int:
        """Add another cache's :meth:`entries` by key in one transaction; return how many."""
        entries = list(entries)
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO scores (key, config_hash, score, "
                                     "details) VALUES (?, ?, ?, ?)", entries)
        except sqlite3.Error as error:
            raise self._broken(error, "write") from error
        return len(entries)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def merge_shards(cache_dir: str | Path) -> int:
    """Merge the shard caches left under ``cache_dir/shards`` (by a Ray run that stopped before
    its own merge) into the main cache files by key, then delete them; return the scores merged."""
    root = Path(cache_dir) / SHARDS
    merged = 0
    for shard_path in sorted(root.glob("*/*/*.sqlite")):
        with ScoreCache(shard_path.parent, shard_path.stem) as shard:
            entries = shard.entries()
        with ScoreCache(cache_dir, shard_path.stem) as main:
            merged += main.merge(entries)
        shard_path.unlink()
    for folder in sorted(root.glob("*/*"), reverse=True) + sorted(root.glob("*")) + [root]:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return merged
