"""cli.main manages the garbage collector only for the process's own command line."""
import gc
import sys

from scholarsite import cli


def test_main_with_argv_leaves_the_garbage_collector_alone(tmp_path):
    frozen = gc.get_freeze_count()
    assert cli.main(["build", "--content", str(tmp_path / "missing")]) == 1
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_the_command_line_of_a_process_ends_with_the_collector_on(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["scholarsite", "build", "--content", str(tmp_path / "missing")])
    try:
        assert cli.main() == 1
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0     # what the imports made is frozen
    finally:
        gc.unfreeze()
