"""The command line starts fast: importing it loads none of the heavy scientific stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "scipy.stats", "xarray", "dask", "distributed", "matplotlib", "pint", "skimage")


@pytest.mark.parametrize("module", ["tracerdiff", "tracerdiff.cli.app"])
def test_import_loads_no_heavy_module(module: str) -> None:
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_root_help_imports_every_command_module_and_no_heavy_module() -> None:
    """The root --help imports all command modules (for their summaries): none of them may
    import the scientific stack (or pydantic, rich) at module level."""
    code = (
        "import sys, json\n"
        "from tracerdiff.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'tracerdiff.cli.fit_cmds' in sys.modules\n"
        f"print(json.dumps([m for m in {[*HEAVY, 'pydantic', 'rich']!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


def test_public_names_still_resolve() -> None:
    import tracerdiff

    assert tracerdiff.open is tracerdiff.open_dataset
    assert "open" not in tracerdiff.__all__
    with pytest.raises(AttributeError):
        _ = tracerdiff.no_such_name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "module",
    [
        "tracerdiff.models.series_options",
        "tracerdiff.models.haven_options",
        "tracerdiff.models.arrhenius_options",
    ],
)
def test_model_commands_do_not_load_the_map_analysis(module: str) -> None:
    """`series`, `haven`, `arrhenius` start in well under a second: their options do not pull
    in the grain-boundary map analysis (scipy.stats, xarray)."""
    banned = ["scipy.stats", "xarray", "tracerdiff.grain_boundary", "matplotlib"]
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps([m for m in {banned!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_version_loads_no_command_module() -> None:
    """``tracerdiff --version`` imports no command module (nor NumPy, rich, pydantic or the
    output guards); the version itself comes from the package metadata."""
    code = (
        "import sys, json\n"
        "from tracerdiff.cli.app import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "banned = ['numpy', 'rich', 'pydantic', 'tracerdiff.cli.common',\n"
        "          'tracerdiff.outputs']\n"
        "mods = [m for m in sys.modules\n"
        "        if m.startswith('tracerdiff.cli.') and m.endswith(('_cmd', '_cmds'))]\n"
        "print(json.dumps([m for m in banned if m in sys.modules] + mods))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


def test_a_command_loads_only_its_module() -> None:
    code = (
        "import sys, json\n"
        "from tracerdiff.cli.app import main\n"
        "try:\n    main(['nernst-einstein', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('tracerdiff.cli.')"
        " and m.endswith(('_cmd', '_cmds')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.splitlines()[-1])
    assert "tracerdiff.cli.model_cmds" in loaded
    assert not {
        "tracerdiff.cli.fit_cmds",
        "tracerdiff.cli.gb_cmds",
        "tracerdiff.cli.sim_cmds",
    } & set(loaded)


def test_pint_is_imported_without_dask_and_dask_still_imports() -> None:
    """pint's optional dask support (0.4 s of imports) is skipped; dask itself still works."""
    pytest.importorskip("dask")
    code = (
        "import sys\n"
        "from tracerdiff.units import parse_quantity\n"
        "assert parse_quantity('2 um', 'length') == 2.0\n"
        "assert 'pint' in sys.modules and 'dask' not in sys.modules\n"
        "import dask.array as da\n"
        "print(float(da.ones(3).sum().compute()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3.0"
