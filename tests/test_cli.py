"""The ``caunoi`` command as an administrator uses it: import units, create invites, export what was reported."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from storage.types import utcnow

ROOT = Path(__file__).resolve().parents[1]


def caunoi(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAUNOI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
           "CAUNOI_DATA_DIR": str(tmp_path / "data"), "CAUNOI_TELEGRAM_BOT_USERNAME": "CauNoiBot",
           "CAUNOI_CLOCK_START": utcnow().isoformat()}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_units_invites_and_export(tmp_path: Path) -> None:
    first = caunoi(tmp_path, "units", "import-vn", "--province", "Da Nang")
    assert first.returncode == 0, first.stderr
    again = caunoi(tmp_path, "units", "import-vn", "--province", "Đà Nẵng")
    assert re.search(r"0 created, 0 updated, \d+ unchanged", again.stdout)

    made = caunoi(tmp_path, "invite", "create", "--unit", "20341", "--count", "2")
    assert made.returncode == 0, made.stderr
    codes = re.findall(r"^([A-Z2-9]{4}-[A-Z2-9]{4})", made.stdout, re.M)
    assert len(codes) == 2 and "https://t.me/CauNoiBot?start=" in made.stdout

    unknown = caunoi(tmp_path, "invite", "create", "--unit", "nope")
    assert unknown.returncode == 2 and "unknown unit" in unknown.stderr

    exported = caunoi(tmp_path, "export", "activities", "--format", "json", "--unit", "48")
    assert exported.returncode == 0 and json.loads(exported.stdout) == []
    csv_out = tmp_path / "out.csv"
    assert caunoi(tmp_path, "export", "activities", "--format", "csv", "--output", str(csv_out)).returncode == 0
    assert csv_out.read_text(encoding="utf-8").startswith("id,unit_code,unit_name")


def test_kinds_catalogue_is_editable_and_audited(tmp_path: Path) -> None:
    added = caunoi(tmp_path, "kinds", "add", "hoi_thao", "--vi", "Hội thảo, tọa đàm", "--en", "Seminar")
    assert added.returncode == 0 and "added: hoi_thao" in added.stdout, added.stderr
    assert caunoi(tmp_path, "kinds", "rename", "hoi_thao", "--en", "Seminar, round table").returncode == 0
    assert caunoi(tmp_path, "kinds", "disable", "khac").returncode == 0
    listed = caunoi(tmp_path, "kinds", "list").stdout
    assert "hoi_thao" in listed and "Seminar, round table" in listed and re.search(r"khac .*\(disabled\)", listed)
    assert caunoi(tmp_path, "kinds", "rename", "nope", "--vi", "x").returncode == 2
    assert caunoi(tmp_path, "kinds", "add", "Bad Code", "--vi", "x").returncode == 2
    assert caunoi(tmp_path, "kinds", "add", "hoi_thao", "--vi", "again").returncode == 2


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.+?)\n```", readme.split("## Quick start", 1)[1].split("\n## ", 1)[0], re.S)
    assert len(blocks) == 2, blocks
    assert blocks[1].strip() in ci


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"CAUNOI_{name.upper()}" for name in Settings.model_fields if f"`CAUNOI_{name.upper()}`" not in readme]
    assert missing == []


def test_schedules_from_the_command_line(tmp_path: Path) -> None:
    assert caunoi(tmp_path, "units", "import-vn", "--province", "48").returncode == 0
    added = caunoi(tmp_path, "schedule", "add", "dnnd-6thang", "--name", "Báo cáo 6 tháng công tác đối ngoại nhân dân",
                   "--period", "half", "--only", "1", "--level", "commune", "--unit", "48", "--deadline", "10/6",
                   "--plan", "Kế hoạch 183-KH/MTTQ-BTT")  # fmt: skip
    assert added.returncode == 0 and "added: dnnd-6thang" in added.stdout, added.stderr
    assert "trước ngày 10/6" in added.stdout and "chỉ kỳ 1" in added.stdout
    changed = caunoi(tmp_path, "schedule", "edit", "dnnd-6thang", "--deadline", "15", "--before", "5,1")
    assert "15 ngày sau khi hết kỳ" in changed.stdout and "nhắc trước 5, 1 ngày" in changed.stdout
    assert caunoi(tmp_path, "schedule", "add", "dnnd-6thang", "--name", "x").returncode == 2  # exists
    assert caunoi(tmp_path, "schedule", "add", "bad", "--name", "x", "--period", "year", "--level", "commune",
                  "--deadline", "31/4").returncode == 2  # fmt: skip
    assert caunoi(tmp_path, "schedule", "edit", "nope", "--deadline", "10/6").returncode == 2
    assert caunoi(tmp_path, "schedule", "disable", "dnnd-6thang").returncode == 0
    assert "đã tắt" in caunoi(tmp_path, "schedule", "list").stdout
    swept = caunoi(tmp_path, "reminders", "sweep")
    assert swept.returncode == 0 and "message(s) queued" in swept.stdout
