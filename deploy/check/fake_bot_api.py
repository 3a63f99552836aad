"""The shared fake Telegram Bot API (testkit/fake_telegram.py) as a server in the compose check:
troly processes send to it, and GET /_check/sent lists what they sent (for `make compose-check`).

Run inside the troly image with the repository's testkit/ mounted at /check/testkit:
    python /check/fake_bot_api.py 8081
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

sys.path.insert(0, "/check")
from testkit.fake_telegram import FakeBotAPI  # noqa: E402  (path set just above)

TOKEN = "123456:CHECK-token"


async def main(port: int) -> None:
    fake = FakeBotAPI(token=TOKEN)

    async def sent(request: web.Request) -> web.Response:
        return web.json_response(fake.sent)

    app = web.Application(client_max_size=60 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", fake._api)
    app.router.add_get("/file/bot{token}/{path:.+}", fake._download)
    app.router.add_get("/_check/sent", sent)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    print(f"fake Bot API on :{port}", flush=True)  # noqa: T201 (the container log says it is up)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
