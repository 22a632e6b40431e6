"""The web console and the data API at province scale: a province of 3,300 communes, a monthly schedule and a year
of activity reports; *Tiến độ* and *Hoạt động*, first page, a filtered page and a deep page, and API pages, p50 and
p99 over repeated requests through a real HTTP server, beside a bare handler on the same server (the baseline); then
the API's CSV of the year's activities for the whole province: time, rows/s and the process's peak memory before and
after it (streamed: the peak should not grow with the file).

Run:  python bench/web_console_bench.py [--communes 3300] [--reports 200000] [--requests 30]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from summary_bench import populate  # noqa: E402

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.api import DataApi  # noqa: E402
from bot.web.console import COOKIE, WebConsole  # noqa: E402
from storage import api_tokens, schedules, web_access  # noqa: E402
from storage.models import Person  # noqa: E402
from tests.helpers import free_port  # noqa: E402

PAGES = {
    "Tiến độ, first page": "/web/tiendo",
    "Tiến độ, not submitted only": "/web/tiendo?trangthai=missing&sapxep=trangthai",
    "Hoạt động, first page": "/web/hoatdong",
    "Hoạt động, a kind in one month": "/web/hoatdong?loai=bien_gioi&tu=2026-06-01&den=2026-06-30",
    "Hoạt động, a deep page (keyset)": "/web/hoatdong?sau=2026-03-15.0",
    "Hoạt động, a country and a unit": "/web/hoatdong?quocgia=L%C3%A0o&donvi=48",
    "Hoạt động, words": "/web/hoatdong?q=s%E1%BB%91+12345",
    "Hoạt động, words in every report": "/web/hoatdong?q=nha+van",
    "Hoạt động, a rare word in one unit": "/web/hoatdong?q=12345&donvi=P00001",
}
API = {
    "API activities, first page": "/api/v1/activities",
    "API activities, a kind in one month": "/api/v1/activities?kind=bien_gioi&from=2026-06-01&to=2026-06-30",
    "API activities, a deep page": "/api/v1/activities?after=700000",
    "API completeness": "/api/v1/completeness?schedule=thang",
}


async def run(communes: int, reports: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # the API's per-person rate limit is lifted: this measures the requests, not the limiter's refusals
        app = App(Settings(data_dir=Path(tmp), api_rate_per_minute=10**6, api_burst=10**6,  # type: ignore[call-arg]
                           _env_file=None),
                  database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'web.sqlite3'}",
                  clock=lambda: datetime(2026, 12, 20, 2, tzinfo=UTC))  # fmt: skip
        await app.migrate()
        started = time.perf_counter()
        root = await populate(app, communes, reports)
        async with app.db.transaction() as session:
            await schedules.save(session, "thang", create=True, now=datetime(2025, 12, 1, tzinfo=UTC),
                                 name="Báo cáo tháng", period_type="month", level="commune", root_unit_id=root.id,
                                 deadline_days_after=7, remind_before=[3], remind_after=[1])  # fmt: skip
            admin = Person(full_name="Quản trị", role="admin", unit_id=root.id, language="vi")
            session.add(admin)
            await session.flush()
            token, _ = await web_access.open_session(session, admin, app.clock(), timedelta(days=1), "bench")
            _, secret = await api_tokens.create(session, admin, "bench", app.clock())
        print(f"{communes:,} communes, {reports:,} activity reports (loaded in {time.perf_counter() - started:.0f} s),"
              f" SQLite, {requests} requests each")  # fmt: skip
        site = web.Application()
        WebConsole(app).add_routes(site)
        DataApi(app).add_routes(site)
        site.router.add_get("/bench/ping", lambda _request: web.Response(text="ok"))
        runner = web.AppRunner(site, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            headers = {"Cookie": f"{COOKIE}={token}", "Authorization": f"Bearer {secret}"}
            async with aiohttp.ClientSession(headers=headers) as client:

                async def timings(path: str) -> list[float]:
                    taken = []
                    for _ in range(requests):
                        begun = time.perf_counter()
                        async with client.get(f"http://127.0.0.1:{port}{path}", allow_redirects=False) as response:
                            await response.read()
                            assert response.status == 200, (path, response.status)
                        taken.append(time.perf_counter() - begun)
                    return taken

                base = statistics.median(await timings("/bench/ping"))
                print(f"  baseline (a bare handler): p50 {base * 1000:.1f} ms")
                for label, path in {**PAGES, **API}.items():
                    taken = sorted(await timings(path))
                    p50, p99 = statistics.median(taken), taken[min(len(taken) - 1, int(len(taken) * 0.99))]
                    print(f"  {label}: p50 {p50 * 1000:.0f} ms ({p50 / base:.0f}× the baseline), "
                          f"p99 {p99 * 1000:.0f} ms")  # fmt: skip
                before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                begun, size, lines = time.perf_counter(), 0, 0
                async with client.get(f"http://127.0.0.1:{port}/api/v1/activities.csv?from=2026-01-01&to=2026-12-31",
                                      allow_redirects=False) as response:  # fmt: skip
                    assert response.status == 200, response.status
                    async for chunk in response.content.iter_chunked(1 << 16):
                        size, lines = size + len(chunk), lines + chunk.count(b"\n")
                taken = time.perf_counter() - begun
                after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(f"  API CSV of the year's activities: {lines - 1:,} rows, {size / 1e6:.0f} MB in {taken:.1f} s "
                      f"({(lines - 1) / taken:,.0f} rows/s); peak memory {before / 1024:.0f} MB before, "
                      f"{after / 1024:.0f} MB after")  # fmt: skip
        finally:
            await runner.cleanup()
            await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=3300)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.communes, args.reports, args.requests))


if __name__ == "__main__":
    main()
