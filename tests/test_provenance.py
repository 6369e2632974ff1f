"""The provenance `Signature`: it round-trips, and it changes whenever the numbers can change."""

from __future__ import annotations

import dataclasses

import pytest

from metaeval import Settings, correlate, load_gensvs
from metaeval.correlation.assemble import build_signature
from metaeval.data.judgements import JudgementSet
from metaeval.provenance import MetricEntry, Signature

AWKWARD = ("acc[red]", "a|b", "x,y", "-neg", "{brace}", "50%", "none", "line\nbreak")


def _signature(**changes) -> Signature:
    base = Signature(data="demo@0123456789ab", human="mos",
                     metrics=(MetricEntry("bleu"), MetricEntry("ter", "lower", "ter@abcdefabcdef")),
                     coefficients=("spearman", "kendall_b"), levels=("none", "item"),
                     group_by="domain", versions=(("metaeval", "0.1.0"), ("numpy", "2.0")))
    return base.replace(**changes)


@pytest.mark.parametrize("short", [False, True])
def test_parse_format_round_trips(short):
    sig = _signature()
    assert Signature.parse(sig.format(short=short)) == sig
    awkward = _signature(human="a|b:c", group_by="none",
                         metrics=tuple(MetricEntry(n, d, c) for n, d, c in
                                       zip(AWKWARD, ["lower", "higher"] * 4, ["", "x@1"] * 4)))
    text = awkward.format(short=short)
    assert "\n" not in text and Signature.parse(text) == awkward
    power = _signature(power="simulate;items=10+50;pairs=a|b>x,y;var=cell")
    assert Signature.parse(power.format(short=short)) == power
    assert ("pw:" if short else "power:") not in sig.format(short=short)  # off: not written


def test_format_is_readable_and_to_dict_is_json_ready():
    sig = _signature()
    text = sig.format()
    assert text.startswith("data:demo@0123456789ab|human:mos|human-def:|"
                           "metrics:bleu,-ter{ter@abcdefabcdef}|")
    assert "|coef:spearman,kendall_b|level:none,item|group:domain|" in text
    assert text.endswith("|metaeval:0.1.0|numpy:2.0")
    record = sig.to_dict()
    assert record["metrics"][1] == {"name": "ter", "direction": "lower", "config": "ter@abcdefabcdef"}
    assert record["versions"] == {"metaeval": "0.1.0", "numpy": "2.0"}
    assert sig.lower_is_better == ["ter"]


@pytest.mark.parametrize("field, value", [
    ("data", "demo@ffffffffffff"), ("human", "other"), ("human_definition", "MQM major 10"),
    ("metrics", (MetricEntry("bleu", "lower"), MetricEntry("ter", "lower", "ter@abcdefabcdef"))),
    ("metrics", (MetricEntry("bleu"), MetricEntry("ter", "lower", "ter@000000000000"))),
    ("coefficients", ("pearson",)), ("levels", ("system",)), ("group_by", None),
    ("pooled", False), ("resample", "both"), ("ci", 0.9), ("ci_method", "bca"), ("k", 999),
    ("seed", 1), ("significance", "all"), ("alpha", 0.01), ("min_points", 5), ("chance", False),
    ("ceiling", "200@123456789abc"), ("missing", "drop"),
    ("power", "subsample;items=10+20;raters=none;reps=100;k=100;pairs=top3"),
    ("versions", (("metaeval", "0.2.0"), ("numpy", "2.0"))),
    ("stability", True), ("keep_draws", True), ("meta", "reml"), ("meta_by", "model_type"),
    ("sets", ("a@0123456789ab", "b@ba9876543210")),
])
def test_every_field_changes_the_string(field, value):
    assert _signature(**{field: value}).format() != _signature().format()
    assert _signature(**{field: value}).format(short=True) != _signature().format(short=True)


@pytest.mark.parametrize("short", [False, True])
def test_meta_fields_round_trip_and_are_absent_when_off(short):
    sig = _signature(stability=True, keep_draws=True, meta="reml", meta_by="model|type",
                     sets=("a,b@0123456789ab", "c@ba9876543210"))
    text = sig.format(short=short)
    assert Signature.parse(text) == sig
    assert ("|st:yes|kd:yes|ma:reml|mb:model%7Ctype|ss:a%2Cb@0123456789ab,c@ba9876543210|"
            if short else "|stability:yes|keep-draws:yes|meta:reml|meta-by:model%7Ctype|"
            "sets:a%2Cb@0123456789ab,c@ba9876543210|") in text
    plain = _signature().format()
    assert not any(f"|{key}:" in plain for key in ("stability", "keep-draws", "meta", "sets"))


def test_parse_refuses_text_that_is_not_a_signature():
    with pytest.raises(ValueError, match="not a metaeval signature"):
        Signature.parse("k:10|seed:0")
    with pytest.raises(ValueError, match="not a metaeval signature \\(no human\\)"):
        Signature.parse("data:x@0|k:10")


def test_one_class_for_correlate_challenge_and_listening_signatures():
    """The layouts share the settings' keys (one definition) and parse back by their first key."""
    from metaeval.challenge.evaluate import LAYOUT as CHALLENGE
    from metaeval.listening.design import LAYOUT as LISTENING

    challenge = Signature(CHALLENGE, challenge_set="ted@0123456789ab", k=50, seed=2,
                          metrics=(MetricEntry("chrf"),))
    assert challenge.format() == ("set:ted@0123456789ab|metrics:chrf|k:50|seed:2|ci:0.95|alpha:0.05"
                                  "|min-pairs:10|resample:pairs-within-phenomena")
    listening = Signature(LISTENING, ratings="r@0", kind="dcr", scale="1..5", screening="auto",
                          correction="holm", exclude=("ref",))
    for sig in (challenge, listening, _signature()):
        assert Signature.parse(sig.format()) == sig and Signature.parse(sig.format(True)) == sig
    shared = {key.attr: (key.key, key.short) for key in CHALLENGE.keys}
    assert shared["k"] == ("k", "k") and shared["alpha"] == ("alpha", "a")
    assert Signature.parse(challenge.format()).min_pairs == 10


# ----------------------------------------------------------- the signature of a correlate run
@pytest.fixture(scope="module")
def gensvs():
    return load_gensvs()


def _run_signature(js: JudgementSet, **settings) -> str:
    options = {"k": 20, "coefficients": ("spearman",), "significance": "none", **settings}
    return str(build_signature(js, js.gold, ["sisdr", "sdr"], Settings(**options)))


def test_direction_changes_signature_and_sign(gensvs):
    """Issue 7: --lower-is-better sisdr flipped the value with an identical signature."""
    flipped = dataclasses.replace(gensvs, metrics={
        **gensvs.metrics, "sisdr": dataclasses.replace(gensvs.metrics["sisdr"],
                                                       higher_is_better=False)})
    a = correlate(gensvs, metrics=["sisdr"], k=20, significance="none", chance=False,
                  ceiling=False)
    b = correlate(flipped, metrics=["sisdr"], k=20, significance="none", chance=False,
                  ceiling=False)
    assert a.table["statistic"].iloc[0] == pytest.approx(-b.table["statistic"].iloc[0])
    assert str(a.signature) != str(b.signature)
    assert "metrics:sisdr|" in str(a.signature) and "metrics:-sisdr|" in str(b.signature)


@pytest.mark.parametrize("setting, value", [
    ("min_points", 10), ("pooled", False), ("chance", False), ("ceiling_k", 50),
    ("ceiling", False), ("group_by", "model_type"), ("alpha", 0.01),
    ("stability", True), ("keep_draws", True), ("meta_by", "model_type"),
])
def test_settings_change_the_signature(gensvs, setting, value):
    tested = {"significance": "primary"} if setting == "alpha" else {}  # alpha forms clusters
    assert _run_signature(gensvs, **{setting: value}, **tested) != _run_signature(gensvs, **tested)


def test_settings_not_carried_out_are_not_applicable(gensvs):
    """k = 0 takes no draws: no interval method, resampling unit, chance baseline or tests; alpha
    only where clusters are formed."""
    text = _run_signature(gensvs, k=0, significance="primary")
    for key in ("resample", "ci-method", "significance", "alpha", "chance"):
        assert f"|{key}:n/a|" in text, key
    assert "|ci:0.95|" in text  # the disagreement tables' intervals use it
    assert "|alpha:n/a|" in _run_signature(gensvs, significance="none")
    assert "|alpha:0.05|" in _run_signature(gensvs, significance="none", stability=True)
    from metaeval.provenance import Signature

    assert Signature.parse(text).format() == text


def test_individual_ratings_change_the_signature(gensvs):
    ratings = gensvs.ratings.copy()
    ratings.loc[0, "rating"] = 6 - ratings.loc[0, "rating"]
    changed = dataclasses.replace(gensvs, ratings=ratings)
    assert _run_signature(changed) != _run_signature(gensvs)
    assert _run_signature(dataclasses.replace(gensvs, ratings=None)).count("ceiling:none") == 1


def test_data_and_missing_policy_change_the_signature(gensvs):
    table = gensvs.table.copy()
    table.loc[0, "sdr"] += 0.5
    assert _run_signature(dataclasses.replace(gensvs, table=table)) != _run_signature(gensvs)
    assert _run_signature(dataclasses.replace(gensvs, missing="drop")) != _run_signature(gensvs)


def test_result_settings_are_derived_from_the_signature(gensvs):
    result = correlate(gensvs, metrics=["sisdr", "multi_res_loss"], k=20, seed=4,
                       significance="none", chance=False)
    record = result.signature.to_dict()
    for key, value in record.items():
        assert result.settings[key] == value, key
    assert result.settings["lower_is_better"] == ["multi_res_loss"]
    assert Signature.parse(str(result.signature)) == result.signature
    text = repr(result)
    assert str(result.signature) in text and "sisdr" in text and len(text.splitlines()) < 12


def test_settings_are_keyword_only_and_validated():
    with pytest.raises(TypeError):
        Settings(("spearman",))  # the fields are keyword-only
    settings = Settings(coefficients=["pearson"], levels="item", k="50")
    assert settings.coefficients == ("pearson",) and settings.levels == ("item",)
    assert settings.k == 50 and isinstance(settings.k, int)


def test_meta_method_is_in_the_signature_when_there_is_a_meta_analysis(gensvs):
    by = {"meta_by": "model_type", "group_by": "model_type"}
    assert (_run_signature(gensvs, meta_method="reml", **by)
            != _run_signature(gensvs, meta_method="dl", **by))
    assert "meta:reml|meta-by:model_type" in _run_signature(gensvs, meta_method="reml", **by)
    # without a meta-analysis the method changes no number, and no signature
    assert _run_signature(gensvs, meta_method="reml") == _run_signature(gensvs)


def test_the_combined_signature_of_several_sets_changes_with_any_set(gensvs):
    from types import SimpleNamespace

    from metaeval.correlation.multiset import combined_signature

    def result(js):
        return SimpleNamespace(signature=build_signature(js, js.gold, ["sisdr", "sdr"],
                                                         Settings(k=20)),
                               metrics={"sisdr": "higher", "sdr": "higher"}, human=js.gold)

    table = gensvs.table.copy()
    table.loc[0, "sdr"] += 0.5
    a, b = result(gensvs), result(dataclasses.replace(gensvs, table=table))
    base = combined_signature([("a", a), ("b", a)], Settings(k=20))
    assert base.sets == (
        f"a@{a.signature.data.split('@')[1]}", f"b@{a.signature.data.split('@')[1]}")
    assert base.meta == "dl" and base.keep_draws and base.data.startswith("2-sets@")
    changed = combined_signature([("a", a), ("b", b)], Settings(k=20))
    assert str(changed) != str(base) and changed.sets[1] != base.sets[1]
    assert str(combined_signature([("a", a), ("c", a)], Settings(k=20))) != str(base)
    assert str(combined_signature([("a", a), ("b", a)], Settings(k=20, meta_method="reml"))) \
        != str(base)
    assert Signature.parse(str(base)) == base
