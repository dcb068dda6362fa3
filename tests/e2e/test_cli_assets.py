"""``atelier assets``: an operator imports a folder, branches, merges, tags and reads back, by subprocess."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.e2e.procs import cli_env, run_cli


def test_the_cli_cannot_put_unreviewed_assets_on_main(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")  # default settings: the review queue gates main
    run_cli(["db", "upgrade"], env)
    run_cli(["brand", "create", "acme", "--name", "Acme"], env)
    slogan = tmp_path / "slogan.txt"
    slogan.write_text("双11 口红 新色上市", encoding="utf-8")
    refused = run_cli(["assets", "upload", "acme", str(slogan)], env, check=False)
    assert refused.returncode == 2 and "merge_blocked" in refused.stdout and "not_reviewed" in refused.stdout
    run_cli(["assets", "branch", "acme", "import/1"], env)
    run_cli(["assets", "upload", "acme", str(slogan), "--branch", "import/1"], env)  # a branch is fine
    assert "slogan.txt" not in run_cli(["assets", "ls", "acme"], env).stdout
    merge = run_cli(["assets", "merge", "acme", "import/1"], env, check=False)
    assert merge.returncode == 2 and "merge_blocked" in merge.stdout


def test_assets_cli_round_trip(tmp_path: Path) -> None:
    # the repository mechanics, with the review gate off (as a deployment without the review queue runs)
    env = cli_env(tmp_path / "data", ATELIER_REVIEWS__GATE_MAIN="false")
    run_cli(["db", "upgrade"], env)
    run_cli(["brand", "create", "acme", "--name", "Acme"], env)
    folder = tmp_path / "drop"
    (folder / "kv").mkdir(parents=True)
    Image.new("RGB", (320, 200), (200, 20, 40)).save(folder / "kv" / "main.png")
    (folder / "slogan.txt").write_text("双11 口红 新色上市", encoding="utf-8")

    out = run_cli(["assets", "upload", "acme", str(folder), "--prefix", "c618/", "-m", "drop 1"], env).stdout
    assert "committed 2 asset(s) to main" in out
    run_cli(["assets", "branch", "acme", "campaign/b"], env)
    extra = tmp_path / "extra.txt"
    extra.write_text("第二版文案", encoding="utf-8")
    run_cli(["assets", "upload", "acme", str(extra), "--branch", "campaign/b", "--kind", "copy"], env)
    assert "extra.txt" not in run_cli(["assets", "ls", "acme"], env).stdout
    assert "A extra.txt" in run_cli(["assets", "diff", "acme", "main", "campaign/b"], env).stdout
    assert "fast_forward" in run_cli(["assets", "merge", "acme", "campaign/b"], env).stdout
    listing = run_cli(["assets", "ls", "acme"], env).stdout
    assert all(p in listing for p in ("c618/kv/main.png", "c618/slogan.txt", "extra.txt"))
    assert "tag release/1" in run_cli(["assets", "tag", "acme", "release/1"], env).stdout
    target = tmp_path / "back.txt"
    run_cli(["assets", "get", "acme", "c618/slogan.txt", "--ref", "release/1", "-o", str(target)], env)
    assert target.read_text(encoding="utf-8") == "双11 口红 新色上市"
    assert "drop 1" in run_cli(["assets", "log", "acme"], env).stdout

    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes((folder / "kv" / "main.png").read_bytes()[:60])
    failed = run_cli(["assets", "upload", "acme", str(corrupt)], env, check=False)
    assert failed.returncode == 2 and "corrupt_file" in failed.stdout
    unknown = run_cli(["assets", "merge", "acme", "nope"], env, check=False)
    assert unknown.returncode == 2 and "ref_not_found" in unknown.stdout
