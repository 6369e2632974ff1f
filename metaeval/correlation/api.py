"""`run` and `correlate`: the one Python call behind `metaeval correlate`.

For every task (by default every group, level and coefficient of the settings) the run computes
each metric's correlation with the human scores, a bootstrap confidence interval, the analytic
p-value where one exists, a chance baseline (permutation null), the noise ceiling where
individual ratings are known, and the PERM-BOTH significance of every metric pair, from which
it forms WMT-style significance clusters; a weighted task set also gets its averages
(:mod:`metaeval.correlation.averages`). Then it carries out what the settings ask for: ranking
stability, stored bootstrap draws, the meta-analysis across the values of ``meta_by``, and
(``power=``) power curves. Every setting in the signature was carried out; a setting that cannot
be is refused, and ``settings=`` together with setting keywords is an error.

Several human score columns (``human=["coherence", "fluency"]``) are one run: one cost
estimate, one progress count, the same draws for every human (:mod:`metaeval.correlation.draws`),
and a :class:`~metaeval.correlation.humans.HumanResults` with one result per human; a list
of one human gives the same with one result. ``aggregate_humans="mean-of-correlations"`` adds
the mean of each metric's correlations with those columns as one more result, ``mean(<cols>)``
(:mod:`metaeval.correlation.humans_mean`); ``per_item=True`` keeps every per-item (per-system)
correlation behind a level item (sys) value (:mod:`metaeval.correlation.per_item`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, replace

from metaeval.correlation.engine import (
    ProgressCallback,
    chosen_humans,
    chosen_metrics,
    compute_humans,
)
from metaeval.correlation.humans import HumanResults
from metaeval.correlation.humans_mean import check_aggregation, humans_with_mean
from metaeval.correlation.meta import check_meta_by, result_draws, with_meta_by
from metaeval.correlation.per_item import check_per_item, per_item_table
from metaeval.correlation.power_curves import PowerSettings, check_power_settings, with_power
from metaeval.correlation.protocols import protocol_run
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.correlation.seeds import task_seed
from metaeval.correlation.settings import Settings
from metaeval.correlation.sources import EvalSetData, JudgementData, as_source
from metaeval.correlation.stability import with_stability
from metaeval.correlation.taskset import TaskSet
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.spec import whole

__all__ = ["HumanResults", "chosen_metrics", "correlate", "resolve_settings", "run",
           "task_seed"]


def resolve_settings(settings: Settings | None, options: dict) -> Settings:
    """``settings``, or the keywords as :class:`Settings`; both at once is an error."""
    if settings is not None and options:
        raise ParameterError(sorted(options)[0], options[sorted(options)[0]], "given together "
                             "with settings=: a keyword would be silently ignored.",
                             "pass settings=Settings(...) alone, or only keywords.")
    unknown = sorted(set(options) - {f.name for f in fields(Settings)})
    if unknown:
        raise ParameterError(unknown[0], options[unknown[0]], "not a setting of a run; settings: "
                             f"{', '.join(f.name for f in fields(Settings))}.")
    return settings if settings is not None else Settings(**options)


def _check_extras(source, settings: Settings, power: PowerSettings | None) -> Settings:
    """The extras must be possible on this source; ``meta_by`` is also the grouping."""
    judgement_table = isinstance(source, (JudgementSet, JudgementData))
    asked = [n for n, v in (("stability", settings.stability), ("meta_by", settings.meta_by),
                            ("power", power)) if v]
    if asked and not judgement_table:
        raise ParameterError(asked[0], True, "applies to a judgement table, not to "
                             "mt-metrics-eval evalsets.", f"leave out {asked[0]}.")
    if settings.meta_by:
        if settings.group_by not in (None, settings.meta_by):
            raise ParameterError("meta_by", settings.meta_by, f"the test sets of meta_by are the "
                                 f"groups, but group_by is {settings.group_by}.", "leave out "
                                 "group_by or give the same column to both.")
        js = source.js if isinstance(source, JudgementData) else source
        check_meta_by(js, settings.meta_by)
        settings = replace(settings, group_by=settings.meta_by)
    return settings


def _table_groups(data, options: dict) -> list[str]:
    """The groups a protocol's task set crosses on a judgement table: the values of
    ``group_by`` (or ``meta_by``) and the pooled group, as a plain run's."""
    if isinstance(data, JudgementData):
        return data.groups()
    if not isinstance(data, JudgementSet):
        return [POOLED]
    by = options.get("group_by") or options.get("meta_by")
    return JudgementData(data, by, options.get("pooled", True)).groups()


def run(data, taskset: TaskSet | str | None = None, *, metrics: Sequence[str] | None = None,
        human: str | Sequence[str] | None = None, settings: Settings | None = None,
        power: PowerSettings | None = None, progress: ProgressCallback | None = None,
        note: str = "", force: bool = False, announce: Callable[[str], None] | None = None,
        workers: int | None = None, **options) -> CorrelationResult | HumanResults:
    """Compute ``taskset`` (default: the settings' groups x levels x coefficients; a protocol
    name such as ``"wmt24"``: its task set, or its defaults for a protocol of one table) on
    ``data`` (a :class:`JudgementSet`, an mt-metrics-eval :class:`~metaeval.data.mtme.EvalSet`
    or several, or a source of :mod:`metaeval.correlation.sources`), then the extras the
    settings ask for (see the module docstring).

    ``human``: the human score column (default: the data's default score), or a list of
    columns: one run over all of them, returned as :class:`HumanResults`; with
    ``aggregate_humans="mean-of-correlations"`` it also holds the mean of each metric's
    correlations with them, human ``mean(<cols>)`` (:mod:`metaeval.correlation.humans_mean`).
    ``settings`` (or its fields as keywords) fix everything that changes the numbers. ``note``:
    what the protocol wants a reader to know. Before computing, the cost of the whole run is
    estimated: ``announce`` receives the estimate of a long run (once); a run over the budget
    is refused unless ``force``. ``workers``: threads for the tasks (the numbers do not depend
    on it).
    """
    data = as_source(data)
    workers = None if workers is None else whole("workers", workers, 1, "4")
    several = human is not None and not isinstance(human, str)
    if taskset is None and settings is None and isinstance(data, EvalSetData):
        taskset = "wmt"  # evalsets without a task set: WMT's levels and coefficients (as the CLI)
    if isinstance(taskset, str):
        if settings is not None:
            raise ParameterError("settings", settings, "given together with a protocol: its "
                                 "defaults would be silently ignored.", "pass the protocol with "
                                 "keywords (run(data, 'wmt24', k=1000)), or a TaskSet.")
        taskset, options, protocol_note = protocol_run(
            taskset, data.groups() if isinstance(data, EvalSetData) else _table_groups(data,
                                                                                   options),
            data.domains() if isinstance(data, EvalSetData) else None, options,
            evalsets=isinstance(data, EvalSetData))
        note = note or protocol_note
    settings = _check_extras(data, resolve_settings(settings, options), power)
    check_per_item(settings)
    js = data.js if isinstance(data, JudgementData) else data
    humans = list(human) if several else [human]
    if power is not None and isinstance(js, JudgementSet):
        for gold in chosen_humans(js, humans):
            chosen = chosen_metrics(js, metrics, gold)[1]
            check_power_settings(power, js, chosen, gold, settings.alpha)
    mean = _check_mean(settings, humans, js, taskset)
    each = replace(settings, aggregate_humans="none")  # each column's numbers: a plain run's
    results = compute_humans(data, taskset, metrics=metrics, humans=humans, settings=each,
                             progress=progress, note=note, force=force, announce=announce,
                             workers=workers)
    results = [_with_extras(r, js, each, power, announce) for r in results]
    if mean:
        return humans_with_mean(results, js, list(results[0].metrics), settings)
    return HumanResults.of(results) if several else results[0]


def _check_mean(settings: Settings, humans: list, js, taskset) -> bool:
    """Whether the run adds the mean over the human columns (checked before computing)."""
    if settings.aggregate_humans == "none":
        return False
    if not isinstance(js, JudgementSet) or taskset is not None:
        raise ParameterError("aggregate_humans", settings.aggregate_humans, "averages the "
                             "correlations of a plain run on a judgement table, not of a task "
                             "set.", "leave out aggregate_humans (or the protocol).")
    check_aggregation(settings, humans, js)
    return True


def _with_extras(result: CorrelationResult, js, settings: Settings,
                 power: PowerSettings | None, announce) -> CorrelationResult:
    """One human's result with what the settings ask for after the statistics."""
    if settings.per_item and isinstance(js, JudgementSet):
        result.per_item = per_item_table(js, list(result.metrics), result.human, settings)
    if settings.stability:
        result = with_stability(result, js, settings)
    if settings.keep_draws and isinstance(js, JudgementSet):
        result.draws = result_draws(result, js, settings)
    if settings.meta_by:
        result = with_meta_by(result, js, settings)
    if power is not None:
        result = with_power(result, js, settings, power, progress=announce)
    return result


def correlate(data: JudgementSet, *, metrics: Sequence[str] | None = None,
              human: str | Sequence[str] | None = None, settings: Settings | None = None,
              **keywords) -> CorrelationResult | HumanResults:
    """Correlate every metric with the human scores, with CIs, significance and clusters:
    :func:`run` over every group, level and coefficient of the settings (``human`` a list:
    one run over those human columns, a :class:`HumanResults`).

    Example::

        from metaeval import correlate, load_gensvs
        result = correlate(load_gensvs(), metrics=["sdr", "multi_res_loss"], group_by="model_type",
                           k=200)
        print(result)
    """
    return run(data, None, metrics=metrics, human=human, settings=settings, **keywords)
