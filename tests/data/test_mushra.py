"""bernoulli_mushra loader (hand-checked rows of the released CSV) and the real-data run: PESQ,
STOI and DNSMOS of the codec stimuli against ref.wav, correlated with the mean MUSHRA score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from metaeval.data.judgements import JudgementSet
from metaeval.data.mushra import load_mushra, mushra_ratings, read_mushra_table
from metaeval.errors import DataError


@pytest.fixture(scope="module")
def mushra(datasets_dir):
    return load_mushra(datasets_dir / "bernoulli_mushra")


def test_judgement_set_shape_and_hand_checked_row(mushra, datasets_dir):
    table = mushra.table
    assert len(table) == 144 and table["item"].nunique() == 16 and table["system"].nunique() == 9
    assert mushra.human == ["mushra"] and mushra.groups == ["kind"]
    assert (table["kind"].value_counts().to_dict()
            == {"codec": 112, "reference": 16, "anchor": 16})
    # first line of ratings_formated_filtered.csv
    row = table.iloc[0]
    ratings = [41.0, 32.0, 32.0, 90.0, 46.0, 100.0, 36.0, 36.0, 51.0, 75.0, 72.0]
    assert (row["item"], row["system"]) == ("VCTK_p229_293", "Proposed 1.38")
    assert row["mushra"] == pytest.approx(np.mean(ratings), abs=1e-12)
    assert row["n_ratings"] == 11
    audio = datasets_dir / "bernoulli_mushra" / "audio"
    assert row["estimate"] == str(audio / "stim_01" / "prop_13.wav")
    assert row["reference"] == str(audio / "stim_01" / "ref.wav")
    anchors = table[table["system"] == "Anchor"]
    assert anchors["estimate"].isna().all()
    assert anchors["reference"].map(lambda p: p.endswith("ref.wav")).all()
    present = table["estimate"].dropna().tolist() + table["reference"].tolist()
    assert all(Path(p).is_file() for p in present)
    hidden = table[table["system"] == "Reference"]
    assert (hidden["estimate"] == hidden["reference"]).all() and hidden["mushra"].min() > 90
    assert "Stahl" in mushra.info.citation and "CC BY 4.0" in mushra.info.licence


def test_ratings_long_table_and_unfiltered_file(datasets_dir):
    folder = datasets_dir / "bernoulli_mushra"
    filtered = mushra_ratings(folder)
    everyone = mushra_ratings(folder, filtered=False)
    raw = pd.read_csv(folder / "ratings_formated_filtered.csv")
    assert len(filtered) == sum(len(r.split(",")) for r in raw["ratings"])
    assert len(everyone) > len(filtered)
    means = filtered.groupby(["item", "system"])["rating"].mean()
    js = load_mushra(folder)
    joined = js.table.set_index(["item", "system"])["mushra"]
    np.testing.assert_allclose(means.loc[joined.index].to_numpy(), joined.to_numpy())
    assert load_mushra(folder, conditions=["Lyra 3", "AudioDec"]).table["system"].nunique() == 2
    with pytest.raises(DataError, match="unknown condition"):
        load_mushra(folder, conditions=["Opus"])


def test_malformed_lists_name_row_and_column(tmp_path, datasets_dir):
    lines = (datasets_dir / "bernoulli_mushra" / "ratings_formated_filtered.csv").read_text().splitlines()
    lines[3] = lines[3].replace("[", "(", 1)  # "(37.0, ... ]" is not a Python literal
    (tmp_path / "ratings_formated_filtered.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"row 4, column 'ratings'.*cannot parse"):
        read_mushra_table(tmp_path)
    lines = (datasets_dir / "bernoulli_mushra" / "ratings_formated.csv").read_text().splitlines()
    start, end = lines[2].index('"['), lines[2].index(']"') + 2
    lines[2] = lines[2][:start] + "\"__import__('os').getcwd()\"" + lines[2][end:]
    (tmp_path / "ratings_formated.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"row 3, column 'ratings'"):  # parsed, never evaluated
        read_mushra_table(tmp_path, filtered=False)


@pytest.mark.slow
def test_codec_run_pesq_stoi_dnsmos_vs_mushra(mushra):
    """Score the 112 codec stimuli with PESQ and STOI (DNSMOS on the seven of one signal, ~1.5 s
    per file) through the runner and correlate with the mean MUSHRA score at level none; the
    coefficients equal scipy on the same vectors and the numbers in docs/real_data_audio.md."""
    pytest.importorskip("pesq")
    pytest.importorskip("pystoi")
    pytest.importorskip("speechmos")
    from metaeval import correlate
    from metaeval.score.runner import score_items

    codec = mushra.table[mushra.table["kind"] == "codec"].reset_index(drop=True)
    assert len(codec) == 112
    rows = codec[["item", "system", "estimate", "reference"]]
    scored = score_items(rows, ["pesq", "stoi"])
    first = codec["item"] == codec["item"].iloc[0]
    dnsmos = score_items(rows[first], ["dnsmos"])
    assert scored["errors"].eq("").all() and dnsmos["errors"].eq("").all()
    frame = codec[["item", "system", "mushra"]].assign(
        pesq=scored["pesq"].to_numpy(), stoi=scored["stoi"].to_numpy(),
        dnsmos=np.nan)
    frame.loc[first, "dnsmos"] = dnsmos["dnsmos"].to_numpy()
    assert frame["dnsmos"][first].between(1, 5).all() and frame["dnsmos"].notna().sum() == 7

    js = JudgementSet.from_frame(frame, item="item", system="system", human="mushra",
                                 metrics=["pesq", "stoi", "dnsmos"], missing="drop")
    result = correlate(js, coefficients=("spearman", "pearson"), levels=("none",), k=200,
                       significance="none")
    table = result.table.set_index(["metric", "coefficient"])["statistic"]
    for name in ("pesq", "stoi", "dnsmos"):
        keep = frame[name].notna()
        values, human = frame.loc[keep, name], frame.loc[keep, "mushra"]
        assert table[(name, "spearman")] == pytest.approx(stats.spearmanr(values, human).statistic,
                                                          abs=1e-10)
        assert table[(name, "pearson")] == pytest.approx(stats.pearsonr(values, human).statistic,
                                                         abs=1e-10)
    # documented result: on these resynthesising codecs the intrusive metrics do not track
    # the listeners (Spearman over the 112 stimuli)
    assert table[("pesq", "spearman")] == pytest.approx(-0.1223, abs=5e-4)
    assert table[("stoi", "spearman")] == pytest.approx(-0.1040, abs=5e-4)
