"""One-line errors of the options added for meta-analysis, media and workers: a flag is named
without a value, registered data paths are not the machine's, a folder among several --data is
named as such; nothing is computed or written."""

from __future__ import annotations

from tests.robustness.conftest import invoke, one_error_line


def test_a_flag_is_named_without_its_value(tmp_path):
    result = invoke("correlate", "--domain", "audio", "--embed-media", "--k", "20",
                    "--out", tmp_path / "o")
    line = one_error_line(result)
    assert line.startswith("error: --embed-media: ") and "True" not in line
    assert result.exit_code == 2 and not (tmp_path / "o").exists()


def test_meta_by_names_the_registered_file_without_the_machine_path(tmp_path):
    result = invoke("correlate", "--domain", "audio", "--meta-by", "nosuch", "--k", "20",
                    "--out", tmp_path / "o")
    line = one_error_line(result)
    assert "$METAEVAL_DATA_DIR/gensvs_eval/gensvs_eval_data.csv" in line
    assert "/work/" not in line and str(tmp_path) not in line
    assert not (tmp_path / "o").exists()


def test_a_folder_among_several_data_is_named(tmp_path, table):
    folder = tmp_path / "sets"
    folder.mkdir()
    result = invoke("correlate", "--data", folder, "--data", table, "--out", tmp_path / "o")
    line = one_error_line(result)
    assert f"--data {folder}: is a folder" in line and "Fix: give the folder alone" in line
    assert result.exit_code == 2 and not (tmp_path / "o").exists()


def test_workers_below_one_is_a_usage_error(tmp_path, table):
    result = invoke("correlate", "--data", table, "--workers", "0", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "--workers" in result.output
