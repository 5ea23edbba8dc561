"""``tracerdiff simulate``: polycrystal runs, single diffusion runs, the demo data set, planning."""

from __future__ import annotations

import typer

from ..errors import InputError
from .common import check_seed, emit, parse_q

sim_app = typer.Typer(
    help="Forward simulation of tracer diffusion and SIMS measurements.", no_args_is_help=True
)


@sim_app.command("polycrystal")
def polycrystal_cmd(
    config: str = typer.Option(..., "--config", help="sim.toml (keys: docs/simulate.md)."),
    out: str = typer.Option(..., "-o", "--out", help="Output directory."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (overrides the file)."),
    force: bool = typer.Option(False, "--force", help="Replace an earlier tracerdiff output."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Simulate a polycrystal through a thermal history and its SIMS images.

    Example: tracerdiff simulate polycrystal --config sim.toml -o run1 --seed 3
    """
    from ..simulate.run import read_config, run_polycrystal_config

    check_seed(seed)
    truth = run_polycrystal_config(
        read_config(config), out, seed=seed, force=force, inputs=[config]
    )
    payload = {
        "out_dir": str(out),
        "files": truth["files"],
        "seed": truth["seed"],
        "D_eff_homogenised_by_T_K": truth["D_eff_homogenised_by_T_K"],
    }
    emit(payload, as_json=as_json, text=f"wrote {len(truth['files'])} files to {out}")


@sim_app.command("diffusion")
def diffusion_cmd(
    labels: str = typer.Option(..., "--labels", help="Integer grain-label image (.npy/.tif)."),
    pixel_size: str = typer.Option(..., "--pixel-size", help="Cell size, e.g. '1 um'."),
    d_bulk: str = typer.Option(..., "--d-bulk", help="Bulk D, e.g. '2.6e-8 cm^2/s'."),
    k: str = typer.Option(..., "--d-gb-over-delta", help="GB conductance k, e.g. '1.5e-6 cm/s'."),
    c_initial: float = typer.Option(..., "--c-initial", help="Initial isotope fraction."),
    c_source: float = typer.Option(..., "--c-source", help="Source isotope fraction."),
    source: str = typer.Option("left", "--source", help="left, right, top or bottom."),
    time: str = typer.Option(..., "--time", help="Duration, e.g. '59 h'."),
    steps: int | None = typer.Option(None, "--steps", help="Fixed TR-BDF2 step count."),
    rtol: float | None = typer.Option(None, "--rtol", help="Tolerance in C (default 1e-4)."),
    gb_faces: str = typer.Option("pixel", "--gb-faces", help="pixel or corrected."),
    out: str = typer.Option(..., "-o", "--out", help="Output directory."),
    force: bool = typer.Option(False, "--force", help="Replace an earlier tracerdiff output."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Diffuse from one edge into a grain-label image; write fraction.npy and truth.json.

    Example: tracerdiff simulate diffusion --labels grains.npy --pixel-size "1 um"
    --d-bulk "2.6e-8 cm^2/s" --d-gb-over-delta "1.5e-6 cm/s" --c-initial 0.0759
    --c-source 0.95 --time "59 h" -o out
    """
    from ..simulate.run import load_labels, run_labels_diffusion

    _check_diffusion_options(steps, rtol, c_initial, c_source)
    lab = load_labels(labels)
    truth = run_labels_diffusion(
        lab,
        out,
        pixel_size_um=_req(parse_q(pixel_size, "length", option="--pixel-size", positive=True)),
        d_bulk=_req(parse_q(d_bulk, "diffusivity", option="--d-bulk", positive=True)),
        k=_req(parse_q(k, "velocity", option="--d-gb-over-delta", allow_zero=True)),
        c_initial=c_initial,
        c_source=c_source,
        time_s=_req(parse_q(time, "time", option="--time", positive=True)),
        source=source,
        steps=steps,
        rtol=1e-4 if rtol is None else rtol,
        gb_faces=gb_faces,
        force=force,
        inputs=[labels],
    )
    payload = {"out_dir": str(out), "files": ["fraction.npy", "truth.json"], "truth": truth}
    emit(
        payload,
        as_json=as_json,
        text=f"wrote {out}/fraction.npy and truth.json ({truth['steps']} steps)",
    )


def _check_diffusion_options(
    steps: int | None, rtol: float | None, c_initial: float, c_source: float
) -> None:
    if steps is not None and rtol is not None:
        raise InputError("give --steps or --rtol, not both")
    if steps is not None and steps < 1:
        raise InputError(f"--steps must be >= 1, got {steps}")
    if rtol is not None and not 0.0 < rtol < 1.0:
        raise InputError(f"--rtol must be in (0, 1) (a tolerance in C), got {rtol}")
    for name, v in (("--c-initial", c_initial), ("--c-source", c_source)):
        if not 0.0 <= v <= 1.0:
            raise InputError(f"{name} must be an isotope fraction in [0, 1], got {v}")


def _req(v: float | None) -> float:
    assert v is not None
    return v


@sim_app.command("demo")
def demo_cmd(
    out: str = typer.Option(..., "-o", "--out", help="Output directory."),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the bundled one)."),
    force: bool = typer.Option(False, "--force", help="Replace an earlier tracerdiff output."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Regenerate the bundled demo data set (simulated LLTO study).

    Example: tracerdiff simulate demo -o demo_data --seed 2024
    """
    from ..simulate.demo import DEMO_SEED, build_demo_dataset

    check_seed(seed)
    res = build_demo_dataset(out, seed=DEMO_SEED if seed is None else seed, force=force)
    emit(res.to_dict(), as_json=as_json, text=f"wrote {len(res.files)} files to {res.path}")


@sim_app.command("plan")
def plan_cmd(
    material: str = typer.Option("llto", "--material", help="Material preset (llto)."),
    temperature: str = typer.Option(..., "--temperature", help="e.g. '200 degC'."),
    time: str = typer.Option(..., "--time", help="e.g. '3.8 h'."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Predict a profile and say whether SIMS can measure it.

    Example: tracerdiff simulate plan --material llto --temperature "200 degC" --time "3.8 h"
    """
    from ..simulate.plan import plan_measurement

    res = plan_measurement(
        material=material,
        temperature_K=_req(parse_q(temperature, "temperature", option="--temperature")),
        time_s=_req(parse_q(time, "time", option="--time", positive=True)),
    )
    emit(res.to_dict(), as_json=as_json, text=str(res))


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` group to the root app."""
    app.add_typer(sim_app, name="simulate")
